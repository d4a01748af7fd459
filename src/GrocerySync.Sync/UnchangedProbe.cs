namespace GrocerySync.Sync;

/// <summary>
/// Tells the prepare stage of a delta run which rows are unchanged since the last commit, before they are validated:
/// a row whose key hash is among the previous state's next few entries (a few deleted records do not end the match) and
/// whose content hash equals that entry's was valid and selected last time with these very fields. Only an
/// optimisation: a row it does not recognise (reordered, new, changed) takes the full path, and the consumer's delta
/// comparison still decides every row. Reads the previous state only, so it runs beside the consumer.
/// </summary>
internal sealed class UnchangedProbe(DeltaState previous)
{
    private readonly ulong[] _keyHashes = previous.KeyHashes;
    private readonly ulong[] _contentHashes = previous.ContentHashes;
    private readonly int _count = previous.Count;
    private const int Window = 8;
    private int _cursor;

    /// <summary>
    /// The probe for a run, or null when a row's validation cannot be skipped: full mode (every row is formatted),
    /// no comparable previous state, or a changed-since window (a row outside it is carried, not compared).
    /// </summary>
    public static UnchangedProbe? For(SyncJob job, DeltaState? previous, bool contentComparable, DateTimeOffset? since) =>
        job.Mode == SyncMode.Delta && previous is not null && contentComparable && since is null ? new UnchangedProbe(previous) : null;

    public bool IsUnchanged(ulong keyHash, ulong contentHash)
    {
        var end = Math.Min(_cursor + Window, _count);
        for (var i = _cursor; i < end; i++)
        {
            if (_keyHashes[i] == keyHash)
            {
                _cursor = i + 1;
                return _contentHashes[i] == contentHash;
            }
        }

        return false;
    }
}
