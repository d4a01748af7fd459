using System.ComponentModel.DataAnnotations;
using System.Text.Json.Nodes;
using GrocerySync.Contracts;
using GrocerySync.Hub.Api;
using GrocerySync.Hub.Data.Configurations;

namespace GrocerySync.Hub.Features.Jobs;

// Request and response types are public: the validation source generator only sees public types.

/// <summary>Which records a job sends; empty lists mean no restriction.</summary>
public sealed record JobFilters
{
    [MaxLength(100)]
    public IReadOnlyList<string> Departments { get; init; } = [];

    [MaxLength(100)]
    public IReadOnlyList<string> Categories { get; init; } = [];

    [MaxLength(1000)]
    public IReadOnlyList<string> Stores { get; init; } = [];

    public bool ActiveOnly { get; init; }
}

public sealed record JobDto(
    Guid Id,
    Guid RetailerId,
    string Name,
    Guid AgentId,
    Guid SourceId,
    Guid DestinationId,
    string AdapterPluginId,
    JsonObject AdapterSettings,
    string CronExpression,
    string TimeZone,
    JobFilters Filters,
    SyncMode SyncMode,
    bool Enabled,
    int TimeoutSeconds,
    DateTimeOffset? NextRunAt,
    RunStatus? LastRunStatus,
    DateTimeOffset? LastRunFinishedAt,
    int ConsecutiveFailures,
    DateTimeOffset? PausedAt,
    string? PausedReason,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    long Version);

/// <summary>The editable fields of a job, shared by create and update.</summary>
public abstract record JobFields
{
    [Required, StringLength(Lengths.Name, MinimumLength = 1)]
    public required string Name { get; init; }

    [Required]
    public required Guid AgentId { get; init; }

    [Required]
    public required Guid SourceId { get; init; }

    [Required]
    public required Guid DestinationId { get; init; }

    [Required, StringLength(Lengths.PluginId, MinimumLength = 1)]
    public required string AdapterPluginId { get; init; }

    public JsonObject? AdapterSettings { get; init; }

    /// <summary>Five-field cron, e.g. <c>30 2 * * *</c>.</summary>
    [Required, StringLength(Lengths.Cron), Cron]
    public required string CronExpression { get; init; }

    /// <summary>IANA time zone the schedule runs in; when left out, the retailer's zone at the time of saving.</summary>
    [StringLength(Lengths.TimeZone), IanaTimeZone]
    public string? TimeZone { get; init; }

    public JobFilters? Filters { get; init; }

    [EnumDataType(typeof(SyncMode))]
    public SyncMode SyncMode { get; init; }

    public bool Enabled { get; init; } = true;

    /// <summary>A run still going after this many seconds is ended as TimedOut.</summary>
    [Range(60, 86_400)]
    public int TimeoutSeconds { get; init; } = 3600;
}

public sealed record CreateJobRequest : JobFields
{
    /// <summary>The retailer; required for platform admins, implied for everyone else.</summary>
    public Guid? RetailerId { get; init; }
}

public sealed record UpdateJobRequest : JobFields
{
    /// <summary>The version last read; a different stored version answers 409.</summary>
    [Required]
    public required long Version { get; init; }
}

public sealed record JobListQuery
{
    public Guid? RetailerId { get; init; }

    public Guid? AgentId { get; init; }

    public Guid? SourceId { get; init; }

    public Guid? DestinationId { get; init; }

    public bool? Enabled { get; init; }

    public RunStatus? LastRunStatus { get; init; }

    public SyncMode? SyncMode { get; init; }
}

/// <summary>Why a job is paused; the reason is shown with the job until it is resumed.</summary>
public sealed record PauseJobRequest
{
    [StringLength(500)]
    public string? Reason { get; init; }
}

/// <summary>One scheduled time, as the job's zone shows it (with that day's offset) and in UTC.</summary>
public sealed record ScheduledTimeDto(DateTimeOffset Local, DateTimeOffset Utc);

/// <summary>A job's schedule: whether it runs, its next five run times, and what happened to occurrences lately.</summary>
/// <param name="JobId">The job.</param>
/// <param name="CronExpression">Five-field cron expression.</param>
/// <param name="TimeZone">IANA time zone the expression runs in.</param>
/// <param name="Enabled">Whether the job is switched on.</param>
/// <param name="Scheduled">Enabled and not paused: the scheduler runs it.</param>
/// <param name="PausedAt">When the job was paused; null while it is not.</param>
/// <param name="PausedReason">Who paused it and why, or the automatic pause after too many failures.</param>
/// <param name="ConsecutiveFailures">Failed or timed-out runs since the last success.</param>
/// <param name="MaxConsecutiveFailures">Failures in a row after which the hub pauses the job (Hub:Scheduling:MaxConsecutiveFailures).</param>
/// <param name="NextRunAt">The occurrence the scheduler waits for, in UTC.</param>
/// <param name="NextRuns">The next five run times from <paramref name="NextRunAt"/>; empty while the job is not scheduled.</param>
/// <param name="LastSkippedAt">When an occurrence last created no run: a run was still active, or it was missed for too long.</param>
/// <param name="LastSkipReason">Why it created no run.</param>
public sealed record JobScheduleDto(
    Guid JobId,
    string CronExpression,
    string TimeZone,
    bool Enabled,
    bool Scheduled,
    DateTimeOffset? PausedAt,
    string? PausedReason,
    int ConsecutiveFailures,
    int MaxConsecutiveFailures,
    DateTimeOffset? NextRunAt,
    IReadOnlyList<ScheduledTimeDto> NextRuns,
    DateTimeOffset? LastSkippedAt,
    string? LastSkipReason);
