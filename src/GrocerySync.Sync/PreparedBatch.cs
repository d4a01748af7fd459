using System.Runtime.CompilerServices;
using GrocerySync.Plugins.Abstractions;

namespace GrocerySync.Sync;

internal enum RowStatus : byte
{
    /// <summary>Valid and selected: goes to delta comparison and the adapter.</summary>
    Candidate,

    /// <summary>Rejected by validation; its key (if any) keeps its last committed state.</summary>
    Rejected,

    /// <summary>Valid but left out by a filter: counts as gone from the channel.</summary>
    Filtered,

    /// <summary>Valid, outside the changed-since window: keeps its last committed state.</summary>
    Carried,

    /// <summary>
    /// The same mapped fields as the last committed record at this position (delta runs): validation and filters,
    /// pure functions of those fields and the spec, were skipped, so the record is not normalised. Goes to delta
    /// comparison, never to the adapter.
    /// </summary>
    Unchanged,
}

/// <summary>
/// A source batch after validation on the source's thread: one normalised record, status, key and hashes per row.
/// The consumer thread only compares, formats and writes.
/// </summary>
internal sealed class PreparedBatch
{
    public SourceBatch Batch { get; private set; } = null!;

    public int Count { get; private set; }

    public GroceryRecord[] Records { get; private set; } = [];

    public RowStatus[] Status { get; private set; } = [];

    public ulong[] KeyHashes { get; private set; } = [];

    public ulong[] ContentHashes { get; private set; } = [];

    public int[] KeyEnds { get; private set; } = [];

    public byte[] Keys { get; private set; } = new byte[1 << 16];

    public List<RejectedRow> Rejects { get; } = [];

    public long Filtered { get; set; }

    public int KeyLength { get; private set; }

    public void Reset(SourceBatch batch)
    {
        Batch = batch;
        Count = batch.Count;
        Rejects.Clear();
        Filtered = 0;
        KeyLength = 0;
        if (Records.Length < Count)
        {
            var n = Math.Max(Count, Records.Length * 2);
            var records = new GroceryRecord[n];
            Records.CopyTo(records, 0);
            for (var i = Records.Length; i < n; i++)
            {
                records[i] = new GroceryRecord();
            }

            Records = records;
            Status = new RowStatus[n];
            KeyHashes = new ulong[n];
            ContentHashes = new ulong[n];
            KeyEnds = new int[n];
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void SetKey(int row, ReadOnlySpan<byte> key)
    {
        if (Keys.Length - KeyLength < key.Length)
        {
            GrowKeys(key.Length);
        }

        key.CopyTo(Keys.AsSpan(KeyLength));
        KeyLength += key.Length;
        KeyEnds[row] = KeyLength;
    }

    private void GrowKeys(int needed)
    {
        var keys = Keys;
        Array.Resize(ref keys, Math.Max(Keys.Length * 2, KeyLength + needed));
        Keys = keys;
    }

    public ReadOnlySpan<byte> GetKey(int row)
    {
        var start = row == 0 ? 0 : KeyEnds[row - 1];
        return Keys.AsSpan(start, KeyEnds[row] - start);
    }
}
