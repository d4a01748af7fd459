using GrocerySync.Plugins.Abstractions;

namespace GrocerySync.Sync;

/// <summary>How a run ended.</summary>
public enum SyncRunStatus
{
    /// <summary>Written and committed; state committed.</summary>
    Succeeded = 0,

    /// <summary>Failed; nothing committed.</summary>
    Failed = 1,

    /// <summary>Stopped by the guard rail; nothing committed; re-run with approval.</summary>
    NeedsApproval = 2,

    /// <summary>Cancelled; nothing committed.</summary>
    Cancelled = 3,
}

/// <summary>A row that was not sent.</summary>
/// <param name="LineNumber">1-based line (or record number) in the source.</param>
/// <param name="Field">Canonical field or column at fault, or <c>row</c>.</param>
/// <param name="Reason">What is wrong.</param>
/// <param name="Key">The SKU when known.</param>
public sealed record RejectedRow(long LineNumber, string Field, string Reason, string? Key);

/// <summary>Live progress of a run.</summary>
/// <param name="RecordsRead">Rows read from the source.</param>
/// <param name="RecordsWritten">Records and deletions written to the destination.</param>
/// <param name="RecordsRejected">Rows rejected.</param>
/// <param name="BytesRead">Bytes read from the source.</param>
/// <param name="BytesWritten">Bytes written to the destination.</param>
/// <param name="Elapsed">Time since the run started.</param>
public sealed record SyncProgress(long RecordsRead, long RecordsWritten, long RecordsRejected, long BytesRead, long BytesWritten, TimeSpan Elapsed)
{
    /// <summary>The source's whole size in bytes when it told the engine (a file's length), so progress can be shown as a share; 0 when unknown.</summary>
    public long TotalBytes { get; init; }
}

/// <summary>Counts of a run.</summary>
public sealed record SyncCounts
{
    /// <summary>Rows read from the source (including rejected ones).</summary>
    public long Read { get; init; }

    /// <summary>Rows rejected by the source, the validation or the adapter.</summary>
    public long Rejected { get; init; }

    /// <summary>Valid rows left out by a filter.</summary>
    public long Filtered { get; init; }

    /// <summary>Records not in the previous state.</summary>
    public long New { get; init; }

    /// <summary>Records whose content changed.</summary>
    public long Changed { get; init; }

    /// <summary>Records unchanged since the last committed run.</summary>
    public long Unchanged { get; init; }

    /// <summary>Records of the previous state gone from the source (or now filtered out).</summary>
    public long Deleted { get; init; }

    /// <summary>Records written to the destination.</summary>
    public long Written { get; init; }

    /// <summary>Deletions written to the destination (zero when the format cannot express them, or in full mode).</summary>
    public long DeletionsWritten { get; init; }

    /// <summary>Records in the previous committed state.</summary>
    public long PreviousCatalog { get; init; }

    /// <summary>Records in the new state.</summary>
    public long Catalog { get; init; }

    /// <summary>Bytes read from the source.</summary>
    public long BytesRead { get; init; }

    /// <summary>Bytes written to the destination.</summary>
    public long BytesWritten { get; init; }
}

/// <summary>Durations of a run's phases.</summary>
public sealed record SyncTimings
{
    /// <summary>Whole run.</summary>
    public TimeSpan Total { get; init; }

    /// <summary>Loading the previous delta state.</summary>
    public TimeSpan LoadState { get; init; }

    /// <summary>Streaming: read, validate, compare, adapt and write (overlapping).</summary>
    public TimeSpan Stream { get; init; }

    /// <summary>Destination commit.</summary>
    public TimeSpan Commit { get; init; }

    /// <summary>Writing the new delta state (its temporary file is written while the destination commits, so this overlaps <see cref="Commit"/>).</summary>
    public TimeSpan SaveState { get; init; }
}

/// <summary>The summary of a run.</summary>
public sealed record SyncRunSummary
{
    /// <summary>Run id.</summary>
    public required Guid RunId { get; init; }

    /// <summary>Job id.</summary>
    public required string JobId { get; init; }

    /// <summary>Mode used.</summary>
    public required SyncMode Mode { get; init; }

    /// <summary>Outcome.</summary>
    public required SyncRunStatus Status { get; init; }

    /// <summary>Why the run did not succeed, for the user; <see langword="null"/> on success.</summary>
    public string? Message { get; init; }

    /// <summary>Start time.</summary>
    public required DateTimeOffset StartedAt { get; init; }

    /// <summary>Counts.</summary>
    public required SyncCounts Counts { get; init; }

    /// <summary>Rejected rows divided by rows read.</summary>
    public double RejectRate => Counts.Read == 0 ? 0 : (double)Counts.Rejected / Counts.Read;

    /// <summary>(Changed + deleted) divided by the previous catalog size: what the guard rail measures.</summary>
    public double ChangeShare { get; init; }

    /// <summary>Whether records came in a different order than last time, so delta used lookups.</summary>
    public bool OrderChanged { get; init; }

    /// <summary>Timings.</summary>
    public required SyncTimings Timings { get; init; }

    /// <summary>The first rejected rows (at most 100), in source order.</summary>
    public IReadOnlyList<RejectedRow> RejectSamples { get; init; } = [];

    /// <summary>Rejected rows per field.</summary>
    public IReadOnlyDictionary<string, long> RejectsByField { get; init; } = new Dictionary<string, long>();
}

/// <summary>Receives every rejected row of a run (on the engine's thread; keep it fast).</summary>
public interface IRejectSink
{
    /// <summary>Called for each rejected row.</summary>
    void OnRejected(RejectedRow row);
}

/// <summary>A run that cannot start because of its configuration; the message says what to fix.</summary>
public sealed class SyncConfigurationException : PluginException
{
    /// <summary>Creates the exception.</summary>
    public SyncConfigurationException()
    {
    }

    /// <summary>Creates the exception.</summary>
    public SyncConfigurationException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public SyncConfigurationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
