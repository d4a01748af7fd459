using GrocerySync.Contracts;

namespace GrocerySync.Hub.Data.Entities;

internal sealed class Job : EditableEntity, ITenantOwned
{
    public Guid RetailerId { get; set; }

    public required string Name { get; set; }

    public Guid AgentId { get; set; }

    public Agent? Agent { get; set; }

    public Guid SourceId { get; set; }

    public Source? Source { get; set; }

    public Guid DestinationId { get; set; }

    public Destination? Destination { get; set; }

    public required string AdapterPluginId { get; set; }

    /// <summary>The exact adapter version to run; null runs the catalog's newest version.</summary>
    public string? AdapterPluginVersion { get; set; }

    public string AdapterSettings { get; set; } = "{}";

    /// <summary>Standard five-field cron expression, evaluated in <see cref="TimeZone"/>.</summary>
    public required string CronExpression { get; set; }

    public required string TimeZone { get; set; }

    /// <summary>Record filters (departments, categories, stores, active only) as a JSON object.</summary>
    public string Filters { get; set; } = "{}";

    public SyncMode SyncMode { get; set; }

    public bool Enabled { get; set; } = true;

    public int TimeoutSeconds { get; set; } = 3600;

    /// <summary>
    /// The occurrence the scheduler waits for, in UTC; null while the job is disabled, paused or its expression never
    /// matches again. Firing an occurrence moves it on, guarded by its current value, so each occurrence is taken once.
    /// </summary>
    public DateTimeOffset? NextRunAt { get; set; }

    public RunStatus? LastRunStatus { get; set; }

    public DateTimeOffset? LastRunFinishedAt { get; set; }

    /// <summary>Failed or timed-out runs since the last success; reaching the configured limit pauses the job.</summary>
    public int ConsecutiveFailures { get; set; }

    /// <summary>When the job was paused (by a person or after too many failures); null while it is not paused.</summary>
    public DateTimeOffset? PausedAt { get; set; }

    public string? PausedReason { get; set; }

    /// <summary>The last occurrence that created no run (a run was still active, or it was missed for too long).</summary>
    public DateTimeOffset? LastSkippedAt { get; set; }

    public string? LastSkipReason { get; set; }

    /// <summary>Whether the scheduler runs this job: enabled and not paused.</summary>
    public bool IsScheduled => Enabled && PausedAt is null;
}
