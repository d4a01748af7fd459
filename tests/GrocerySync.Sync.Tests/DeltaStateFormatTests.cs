using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;

namespace GrocerySync.Sync.Tests;

/// <summary>
/// The delta state file format, written out here by hand from its documented layout, so that a change to it cannot
/// pass unnoticed: agents read the states older agents wrote.
/// </summary>
public sealed class DeltaStateFormatTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("gs-state-format-").FullName;

    private static readonly DateTimeOffset Committed = DateTimeOffset.FromUnixTimeMilliseconds(1_796_000_000_123);
    private static readonly DateTimeOffset Started = DateTimeOffset.FromUnixTimeMilliseconds(1_796_000_000_001);

    private static byte[] Documented(ulong[] keyHashes, ulong[] contentHashes, string[] keys, ulong fingerprint)
    {
        var body = new List<byte>();
        var header = new byte[64];
        Encoding.ASCII.GetBytes("GSDELTA1").CopyTo(header, 0);
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(8), 1); // format version
        BinaryPrimitives.WriteInt64LittleEndian(header.AsSpan(16), keys.Length);
        BinaryPrimitives.WriteInt64LittleEndian(header.AsSpan(24), keys.Sum(k => Encoding.UTF8.GetByteCount(k)));
        BinaryPrimitives.WriteUInt64LittleEndian(header.AsSpan(32), fingerprint);
        BinaryPrimitives.WriteInt64LittleEndian(header.AsSpan(40), Committed.ToUnixTimeMilliseconds());
        BinaryPrimitives.WriteInt64LittleEndian(header.AsSpan(48), Started.ToUnixTimeMilliseconds());
        body.AddRange(header);
        var word = new byte[8];
        foreach (var h in keyHashes.Concat(contentHashes))
        {
            BinaryPrimitives.WriteUInt64LittleEndian(word, h);
            body.AddRange(word);
        }

        var end = 0u;
        foreach (var k in keys)
        {
            end += (uint)Encoding.UTF8.GetByteCount(k);
            BinaryPrimitives.WriteUInt32LittleEndian(word, end);
            body.AddRange(word.AsSpan(0, 4).ToArray());
        }

        foreach (var k in keys)
        {
            body.AddRange(Encoding.UTF8.GetBytes(k));
        }

        BinaryPrimitives.WriteUInt64LittleEndian(word, XxHash3.HashToUInt64([.. body]));
        body.AddRange(word);
        return [.. body];
    }

    [Fact]
    public void Save_writes_the_documented_layout_and_Load_reads_it_back()
    {
        ulong[] keyHashes = [0x1111_2222_3333_4444, 0xAAAA_BBBB_CCCC_DDDD, 7];
        ulong[] contentHashes = [1, 0xFFFF_FFFF_FFFF_FFFF, 0x0123_4567_89AB_CDEF];
        string[] keys = ["SKU1", "SKU-ÄÖ", "X"];
        var keyBytes = Encoding.UTF8.GetBytes(string.Concat(keys));
        var ends = new uint[keys.Length];
        for (uint i = 0, at = 0; i < keys.Length; i++)
        {
            at += (uint)Encoding.UTF8.GetByteCount(keys[i]);
            ends[i] = at;
        }

        var path = Path.Combine(_dir, "job.delta");
        new DeltaState(keyHashes, contentHashes, ends, keyBytes, keys.Length) { SpecFingerprint = 42, CommittedAt = Committed, RunStartedAt = Started }.Save(path);

        var expected = Documented(keyHashes, contentHashes, keys, 42);
        Assert.Equal(expected, File.ReadAllBytes(path));

        var other = Path.Combine(_dir, "written-by-hand.delta");
        File.WriteAllBytes(other, expected);
        var loaded = DeltaState.Load(other)!;
        Assert.Equal((3, 42UL, Committed, Started), (loaded.Count, loaded.SpecFingerprint, loaded.CommittedAt, loaded.RunStartedAt));
        Assert.Equal(keyHashes, loaded.KeyHashes);
        Assert.Equal(contentHashes, loaded.ContentHashes);
        Assert.Equal(keys, Enumerable.Range(0, 3).Select(i => Encoding.UTF8.GetString(loaded.GetKey(i))));
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
