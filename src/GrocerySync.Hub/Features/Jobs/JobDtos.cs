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

    /// <summary>IANA time zone the schedule runs in; defaults to the retailer's.</summary>
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
