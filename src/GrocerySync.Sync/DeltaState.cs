using System.Buffers.Binary;
using System.IO.Hashing;
using System.Runtime.InteropServices;
using GrocerySync.Plugins.Abstractions;

namespace GrocerySync.Sync;

/// <summary>
/// The committed delta state of a job: for each record that reached the destination, its key hash, content hash
/// and key, in source order (so the next run can compare position by position and fall back to lookups).
/// </summary>
/// <remarks>
/// File format (little-endian): a 64-byte header (<c>GSDELTA1</c>, format version, count, key-bytes length, spec
/// fingerprint, commit time, run start time), then <c>count</c> key hashes (u64), <c>count</c> content hashes (u64),
/// <c>count</c> key end offsets (u32), the key bytes, and an XxHash3 of everything before it. Written to a temporary
/// file, flushed to disk and renamed over the old one, so a crash leaves the old state or the new one.
/// </remarks>
internal sealed class DeltaState
{
    private const ulong Magic = 0x31_41_54_4C_45_44_53_47; // "GSDELTA1"
    private const int FormatVersion = 1;
    private const int HeaderSize = 64;

    public DeltaState(ulong[] keyHashes, ulong[] contentHashes, uint[] keyEnds, byte[] keys, int count)
    {
        KeyHashes = keyHashes;
        ContentHashes = contentHashes;
        KeyEnds = keyEnds;
        Keys = keys;
        Count = count;
    }

    public ulong[] KeyHashes { get; }

    public ulong[] ContentHashes { get; }

    public uint[] KeyEnds { get; }

    public byte[] Keys { get; }

    public int Count { get; }

    public ulong SpecFingerprint { get; init; }

    public DateTimeOffset CommittedAt { get; init; }

    public DateTimeOffset RunStartedAt { get; init; }

    public ReadOnlySpan<byte> GetKey(int index) =>
        Keys.AsSpan((int)(index == 0 ? 0 : KeyEnds[index - 1]), (int)(KeyEnds[index] - (index == 0 ? 0 : KeyEnds[index - 1])));

    public static string PathFor(string stateFolder, string jobId) => Path.Combine(stateFolder, jobId + ".delta");

    public static async Task<DeltaState?> LoadAsync(string path, CancellationToken ct)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.SequentialScan);
        var length = RandomAccess.GetLength(handle);
        var header = new byte[HeaderSize];
        if (length < HeaderSize + 8 || await RandomAccess.ReadAsync(handle, header, 0, ct) != HeaderSize ||
            BinaryPrimitives.ReadUInt64LittleEndian(header) != Magic)
        {
            throw Damaged(path, "it is not a delta state file");
        }

        if (BinaryPrimitives.ReadInt32LittleEndian(header.AsSpan(8)) != FormatVersion)
        {
            throw Damaged(path, "it has an unknown format version");
        }

        var count = BinaryPrimitives.ReadInt64LittleEndian(header.AsSpan(16));
        var keyBytes = BinaryPrimitives.ReadInt64LittleEndian(header.AsSpan(24));
        if (count is < 0 or > int.MaxValue / 8 || keyBytes is < 0 or > int.MaxValue ||
            length != HeaderSize + (count * 20) + keyBytes + 8)
        {
            throw Damaged(path, "its length does not match its header");
        }

        var n = (int)count;
        var keyHashes = new ulong[n];
        var contentHashes = new ulong[n];
        var keyEnds = new uint[n];
        var keys = new byte[keyBytes];
        var hash = new XxHash3();
        hash.Append(header);
        var staging = new byte[1 << 20];
        long offset = HeaderSize;
        offset = await ReadIntoAsync(handle, offset, staging, MemoryMarshal.AsBytes(keyHashes.AsSpan()).Length, (src, at) => src.CopyTo(MemoryMarshal.AsBytes(keyHashes.AsSpan())[at..]), hash, ct);
        offset = await ReadIntoAsync(handle, offset, staging, n * 8, (src, at) => src.CopyTo(MemoryMarshal.AsBytes(contentHashes.AsSpan())[at..]), hash, ct);
        offset = await ReadIntoAsync(handle, offset, staging, n * 4, (src, at) => src.CopyTo(MemoryMarshal.AsBytes(keyEnds.AsSpan())[at..]), hash, ct);
        offset = await ReadIntoAsync(handle, offset, staging, keys.Length, (src, at) => src.CopyTo(keys.AsSpan(at)), hash, ct);
        var trailer = new byte[8];
        if (await RandomAccess.ReadAsync(handle, trailer, offset, ct) != 8 ||
            BinaryPrimitives.ReadUInt64LittleEndian(trailer) != hash.GetCurrentHashAsUInt64())
        {
            throw Damaged(path, "its checksum does not match");
        }

        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("Delta state files are little-endian.");
        }

        return new DeltaState(keyHashes, contentHashes, keyEnds, keys, n)
        {
            SpecFingerprint = BinaryPrimitives.ReadUInt64LittleEndian(header.AsSpan(32)),
            CommittedAt = DateTimeOffset.FromUnixTimeMilliseconds(BinaryPrimitives.ReadInt64LittleEndian(header.AsSpan(40))),
            RunStartedAt = DateTimeOffset.FromUnixTimeMilliseconds(BinaryPrimitives.ReadInt64LittleEndian(header.AsSpan(48))),
        };
    }

    private delegate void CopyChunk(ReadOnlySpan<byte> source, int at);

    private static async Task<long> ReadIntoAsync(
        Microsoft.Win32.SafeHandles.SafeFileHandle handle, long offset, byte[] staging, int length, CopyChunk copy, XxHash3 hash, CancellationToken ct)
    {
        var done = 0;
        while (done < length)
        {
            var n = await RandomAccess.ReadAsync(handle, staging.AsMemory(0, Math.Min(staging.Length, length - done)), offset + done, ct);
            if (n == 0)
            {
                throw new EndOfStreamException();
            }

            hash.Append(staging.AsSpan(0, n));
            copy(staging.AsSpan(0, n), done);
            done += n;
        }

        return offset + length;
    }

    public async Task SaveAsync(string path, CancellationToken ct)
    {
        var dir = Path.GetDirectoryName(path)!;
        Directory.CreateDirectory(dir);
        var tmp = Path.Combine(dir, $".{Path.GetFileName(path)}.{Environment.ProcessId}.tmp");
        var header = new byte[HeaderSize];
        BinaryPrimitives.WriteUInt64LittleEndian(header, Magic);
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(8), FormatVersion);
        BinaryPrimitives.WriteInt64LittleEndian(header.AsSpan(16), Count);
        var keyBytes = Count == 0 ? 0 : (int)KeyEnds[Count - 1];
        BinaryPrimitives.WriteInt64LittleEndian(header.AsSpan(24), keyBytes);
        BinaryPrimitives.WriteUInt64LittleEndian(header.AsSpan(32), SpecFingerprint);
        BinaryPrimitives.WriteInt64LittleEndian(header.AsSpan(40), CommittedAt.ToUnixTimeMilliseconds());
        BinaryPrimitives.WriteInt64LittleEndian(header.AsSpan(48), RunStartedAt.ToUnixTimeMilliseconds());

        var hash = new XxHash3();
        try
        {
            await using (var fs = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None, 0))
            {
                hash.Append(header);
                await fs.WriteAsync(header, ct);
                var staging = new byte[1 << 20];
                await WriteAsync(fs, staging, KeyHashes, Count, hash, ct);
                await WriteAsync(fs, staging, ContentHashes, Count, hash, ct);
                await WriteAsync(fs, staging, KeyEnds, Count, hash, ct);
                await WriteAsync(fs, staging, Keys, keyBytes, hash, ct);
                var trailer = new byte[8];
                BinaryPrimitives.WriteUInt64LittleEndian(trailer, hash.GetCurrentHashAsUInt64());
                await fs.WriteAsync(trailer, ct);
                fs.Flush(flushToDisk: true);
            }

            File.Move(tmp, path, overwrite: true);
            FileSync.FlushDirectory(dir);
        }
        catch
        {
            File.Delete(tmp);
            throw;
        }
    }

    private static async Task WriteAsync<T>(FileStream fs, byte[] staging, T[] array, int count, XxHash3 hash, CancellationToken ct)
        where T : unmanaged
    {
        var total = count * System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
        for (var done = 0; done < total;)
        {
            var n = Math.Min(staging.Length, total - done);
            MemoryMarshal.AsBytes(array.AsSpan()).Slice(done, n).CopyTo(staging);
            hash.Append(staging.AsSpan(0, n));
            await fs.WriteAsync(staging.AsMemory(0, n), ct);
            done += n;
        }
    }

    private static PluginException Damaged(string path, string why) =>
        new($"The delta state file '{path}' cannot be used: {why}. Delete it to make the next run send the whole catalog again.");
}
