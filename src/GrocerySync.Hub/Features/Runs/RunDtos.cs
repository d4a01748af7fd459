using GrocerySync.Contracts;

namespace GrocerySync.Hub.Features.Runs;

// Request and response types are public: the validation source generator only sees public types.

/// <summary>One run of a job, as lists show it.</summary>
public sealed record RunDto(
    Guid Id,
    Guid RetailerId,
    Guid JobId,
    string JobName,
    Guid AgentId,
    RunTrigger Trigger,
    RunStatus Status,
    DateTimeOffset QueuedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt,
    long RecordsRead,
    long RecordsChanged,
    long RecordsWritten,
    long RecordsRejected,
    long BytesWritten,
    string? Error,
    DateTimeOffset? CancelRequestedAt)
{
    /// <summary>Seconds from start to finish; null until the run has both started and finished.</summary>
    public double? DurationSeconds => StartedAt is { } started && FinishedAt is { } finished ? (finished - started).TotalSeconds : null;
}

/// <summary>One step of a run's lifecycle.</summary>
public sealed record RunStatusChangeDto(RunStatus? FromStatus, RunStatus ToStatus, DateTimeOffset At, string? Reason);

/// <summary>A run with its status history, oldest change first.</summary>
public sealed record RunDetailDto(RunDto Run, IReadOnlyList<RunStatusChangeDto> StatusChanges);

public sealed record RunListQuery
{
    /// <summary>Only this retailer's runs (platform admins; others see their own anyway).</summary>
    public Guid? RetailerId { get; init; }

    public Guid? JobId { get; init; }

    public Guid? AgentId { get; init; }

    public RunStatus? Status { get; init; }

    public RunTrigger? Trigger { get; init; }

    /// <summary>Runs queued at or after this instant.</summary>
    public DateTimeOffset? QueuedFrom { get; init; }

    /// <summary>Runs queued before this instant.</summary>
    public DateTimeOffset? QueuedTo { get; init; }
}
