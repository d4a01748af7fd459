using System.Buffers.Binary;
using System.Globalization;
using System.IO.Hashing;
using System.Runtime.InteropServices;
using GrocerySync.Plugins.Abstractions;
using Microsoft.Win32.SafeHandles;

namespace GrocerySync.Sync;

/// <summary>
/// The committed delta state of a job: for each record that reached the destination, its key hash, content hash
/// and key, in source order (so the next run can compare position by position and fall back to lookups).
/// </summary>
/// <remarks>
/// File format (little-endian): a 64-byte header (<c>GSDELTA1</c>, format version, count, key-bytes length, spec
/// fingerprint, time the run finished reading (its destination commits right after), run start time), then
/// <c>count</c> key hashes (u64), <c>count</c> content hashes (u64), <c>count</c> key end offsets (u32), the key bytes,
/// and an XxHash3 of everything before it. Written to a temporary file, flushed to disk and renamed over the old one
/// once the destination has committed, so a crash leaves the old state or the new one.
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

    /// <summary>
    /// Reads a state file straight into its arrays (one read each, no staging copy) and checks its checksum; null when
    /// the job has no state yet.
    /// </summary>
    public static DeltaState? Load(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.SequentialScan);
        var length = RandomAccess.GetLength(handle);
        Span<byte> header = stackalloc byte[HeaderSize];
        if (length < HeaderSize + 8 || RandomAccess.Read(handle, header, 0) != HeaderSize ||
            BinaryPrimitives.ReadUInt64LittleEndian(header) != Magic)
        {
            throw Damaged(path, "it is not a delta state file");
        }

        if (BinaryPrimitives.ReadInt32LittleEndian(header[8..]) != FormatVersion)
        {
            throw Damaged(path, "it has an unknown format version");
        }

        var count = BinaryPrimitives.ReadInt64LittleEndian(header[16..]);
        var keyBytes = BinaryPrimitives.ReadInt64LittleEndian(header[24..]);
        if (count is < 0 or > int.MaxValue / 8 || keyBytes is < 0 or > int.MaxValue ||
            length != HeaderSize + (count * 20) + keyBytes + 8)
        {
            throw Damaged(path, "its length does not match its header");
        }

        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("Delta state files are little-endian.");
        }

        var n = (int)count;
        var keyHashes = GC.AllocateUninitializedArray<ulong>(n);
        var contentHashes = GC.AllocateUninitializedArray<ulong>(n);
        var keyEnds = GC.AllocateUninitializedArray<uint>(n);
        var keys = GC.AllocateUninitializedArray<byte>((int)keyBytes);
        var hash = new XxHash3();
        hash.Append(header);
        long offset = HeaderSize;
        Span<byte> trailer = stackalloc byte[8];
        if (!ReadAll(handle, MemoryMarshal.AsBytes(keyHashes.AsSpan()), ref offset, hash) ||
            !ReadAll(handle, MemoryMarshal.AsBytes(contentHashes.AsSpan()), ref offset, hash) ||
            !ReadAll(handle, MemoryMarshal.AsBytes(keyEnds.AsSpan()), ref offset, hash) ||
            !ReadAll(handle, keys, ref offset, hash) ||
            RandomAccess.Read(handle, trailer, offset) != 8 ||
            BinaryPrimitives.ReadUInt64LittleEndian(trailer) != hash.GetCurrentHashAsUInt64())
        {
            throw Damaged(path, "its checksum does not match");
        }

        return new DeltaState(keyHashes, contentHashes, keyEnds, keys, n)
        {
            SpecFingerprint = BinaryPrimitives.ReadUInt64LittleEndian(header[32..]),
            CommittedAt = DateTimeOffset.FromUnixTimeMilliseconds(BinaryPrimitives.ReadInt64LittleEndian(header[40..])),
            RunStartedAt = DateTimeOffset.FromUnixTimeMilliseconds(BinaryPrimitives.ReadInt64LittleEndian(header[48..])),
        };
    }

    /// <summary>Writes the state and renames it over the old one (<see cref="WriteTemporary"/>, then <see cref="Publish"/>).</summary>
    public void Save(string path) => Publish(WriteTemporary(path), path);

    /// <summary>
    /// Writes the state to a temporary file next to <paramref name="path"/> (each array in one write, straight from
    /// memory) and flushes it to disk; returns its path. The old state is untouched until <see cref="Publish"/>.
    /// </summary>
    public string WriteTemporary(string path)
    {
        var dir = Path.GetDirectoryName(path)!;
        Directory.CreateDirectory(dir);
        var tmp = TemporaryPath(path, Environment.ProcessId);
        Span<byte> header = stackalloc byte[HeaderSize];
        header.Clear();
        BinaryPrimitives.WriteUInt64LittleEndian(header, Magic);
        BinaryPrimitives.WriteInt32LittleEndian(header[8..], FormatVersion);
        BinaryPrimitives.WriteInt64LittleEndian(header[16..], Count);
        var keyBytes = Count == 0 ? 0 : (int)KeyEnds[Count - 1];
        BinaryPrimitives.WriteInt64LittleEndian(header[24..], keyBytes);
        BinaryPrimitives.WriteUInt64LittleEndian(header[32..], SpecFingerprint);
        BinaryPrimitives.WriteInt64LittleEndian(header[40..], CommittedAt.ToUnixTimeMilliseconds());
        BinaryPrimitives.WriteInt64LittleEndian(header[48..], RunStartedAt.ToUnixTimeMilliseconds());

        var hash = new XxHash3();
        try
        {
            using var handle = File.OpenHandle(tmp, FileMode.Create, FileAccess.Write, FileShare.None);
            long offset = 0;
            WriteAll(handle, header, ref offset, hash);
            WriteAll(handle, MemoryMarshal.AsBytes(KeyHashes.AsSpan(0, Count)), ref offset, hash);
            WriteAll(handle, MemoryMarshal.AsBytes(ContentHashes.AsSpan(0, Count)), ref offset, hash);
            WriteAll(handle, MemoryMarshal.AsBytes(KeyEnds.AsSpan(0, Count)), ref offset, hash);
            WriteAll(handle, Keys.AsSpan(0, keyBytes), ref offset, hash);
            Span<byte> trailer = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(trailer, hash.GetCurrentHashAsUInt64());
            RandomAccess.Write(handle, trailer, offset);
            RandomAccess.FlushToDisk(handle);
        }
        catch
        {
            File.Delete(tmp);
            throw;
        }

        return tmp;
    }

    /// <summary>Renames a file written by <see cref="WriteTemporary"/> over the state at <paramref name="path"/>, durably.</summary>
    public static void Publish(string temporary, string path)
    {
        File.Move(temporary, path, overwrite: true);
        FileSync.FlushDirectory(Path.GetDirectoryName(path)!);
    }

    /// <summary>
    /// Deletes temporary files a killed run left next to the state at <paramref name="path"/>; call it holding the
    /// job's lock, so no other run is writing one.
    /// </summary>
    public static void DeleteLeftovers(string path)
    {
        var dir = Path.GetDirectoryName(path)!;
        if (!Directory.Exists(dir))
        {
            return;
        }

        foreach (var file in Directory.EnumerateFiles(dir, Path.GetFileName(TemporaryPath(path, null))))
        {
            File.Delete(file);
        }
    }

    private static string TemporaryPath(string path, int? processId) =>
        Path.Combine(Path.GetDirectoryName(path)!, $".{Path.GetFileName(path)}.{(processId is { } id ? id.ToString(CultureInfo.InvariantCulture) : "*")}.tmp");

    /// <summary>Fills <paramref name="into"/> from <paramref name="offset"/>; false at a premature end of file.</summary>
    private static bool ReadAll(SafeFileHandle handle, Span<byte> into, ref long offset, XxHash3 hash)
    {
        for (var done = 0; done < into.Length;)
        {
            var n = RandomAccess.Read(handle, into[done..], offset + done);
            if (n == 0)
            {
                return false;
            }

            done += n;
        }

        hash.Append(into);
        offset += into.Length;
        return true;
    }

    private static void WriteAll(SafeFileHandle handle, ReadOnlySpan<byte> data, ref long offset, XxHash3 hash)
    {
        hash.Append(data);
        RandomAccess.Write(handle, data, offset);
        offset += data.Length;
    }

    private static PluginException Damaged(string path, string why) =>
        new($"The delta state file '{path}' cannot be used: {why}. Delete it to make the next run send the whole catalog again.");
}
