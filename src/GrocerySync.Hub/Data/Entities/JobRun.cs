using GrocerySync.Contracts;

namespace GrocerySync.Hub.Data.Entities;

internal sealed class JobRun : ITenantOwned
{
    public Guid Id { get; set; } = Guid.CreateVersion7();

    public Guid RetailerId { get; set; }

    public Guid JobId { get; set; }

    public Job? Job { get; set; }

    public Guid AgentId { get; set; }

    public RunTrigger Trigger { get; set; }

    public RunStatus Status { get; set; }

    public DateTimeOffset QueuedAt { get; set; }

    public DateTimeOffset? StartedAt { get; set; }

    public DateTimeOffset? FinishedAt { get; set; }

    public long RecordsRead { get; set; }

    public long RecordsChanged { get; set; }

    public long RecordsWritten { get; set; }

    public long RecordsRejected { get; set; }

    public long BytesWritten { get; set; }

    public string? Error { get; set; }

    /// <summary>
    /// While Dispatched or Running: the run ends as Failed ("agent stopped reporting") unless the agent renews it
    /// (started, progress or heartbeat) before this instant. Null otherwise.
    /// </summary>
    public DateTimeOffset? LeaseExpiresAt { get; set; }

    /// <summary>A user asked to cancel the run while an agent had it; the agent is told in its next answer.</summary>
    public DateTimeOffset? CancelRequestedAt { get; set; }

    public List<JobRunStatusChange> StatusChanges { get; set; } = [];
}

/// <summary>One step of a run's lifecycle, kept for its history.</summary>
internal sealed class JobRunStatusChange : ITenantOwned
{
    public long Id { get; set; }

    public Guid RetailerId { get; set; }

    public Guid JobRunId { get; set; }

    public RunStatus? FromStatus { get; set; }

    public RunStatus ToStatus { get; set; }

    public DateTimeOffset At { get; set; }

    public string? Reason { get; set; }
}
