using GrocerySync.Plugins.Abstractions;

namespace GrocerySync.Sync;

/// <summary>Whether a run sends only changes or the whole catalog.</summary>
public enum SyncMode
{
    /// <summary>Send records that are new or changed since the last committed run, and deletions.</summary>
    Delta = 0,

    /// <summary>Send every valid record (the output replaces the channel's catalog); deletions are still detected and counted.</summary>
    Full = 1,
}

/// <summary>What identifies a record across runs.</summary>
public enum RecordKeyKind
{
    /// <summary>The SKU alone: one row per product.</summary>
    Sku = 0,

    /// <summary>SKU and store: one row per product and store.</summary>
    SkuAndStore = 1,
}

/// <summary>A plugin to use and its raw settings (validated against the plugin's manifest when the run starts).</summary>
/// <param name="PluginId">Manifest id.</param>
/// <param name="Settings">Setting name to text value.</param>
public sealed record PluginReference(string PluginId, IReadOnlyDictionary<string, string?> Settings);

/// <summary>Which records a job publishes.</summary>
public sealed record RecordFilterOptions
{
    /// <summary>Only these departments (case-insensitive); empty for all.</summary>
    public IReadOnlyList<string> Departments { get; init; } = [];

    /// <summary>Only these categories (case-insensitive; a trailing <c>*</c> matches a prefix); empty for all.</summary>
    public IReadOnlyList<string> Categories { get; init; } = [];

    /// <summary>Only rows of these stores; empty for all.</summary>
    public IReadOnlyList<string> Stores { get; init; } = [];

    /// <summary>Only active items (inactive ones count as removed from the channel).</summary>
    public bool ActiveOnly { get; init; }

    /// <summary>
    /// Send only records whose <see cref="CanonicalField.UpdatedAt"/> is at or after this time (others keep their last
    /// committed state and are not reported deleted). <see langword="null"/> for no such filter.
    /// </summary>
    public DateTimeOffset? ChangedSince { get; init; }

    /// <summary>Use the start time of the last committed run as <see cref="ChangedSince"/>.</summary>
    public bool ChangedSinceLastRun { get; init; }
}

/// <summary>One job, resolved and ready to run.</summary>
/// <param name="JobId">File-name-safe id; names the state files.</param>
/// <param name="Source">The source plugin.</param>
/// <param name="Adapter">The adapter plugin.</param>
/// <param name="Destination">The destination plugin.</param>
/// <param name="StateFolder">Folder of the job's delta state.</param>
public sealed record SyncJob(string JobId, PluginReference Source, PluginReference Adapter, PluginReference Destination, string StateFolder)
{
    /// <summary>Delta (default) or full.</summary>
    public SyncMode Mode { get; init; } = SyncMode.Delta;

    /// <summary>Source column mapping.</summary>
    public FieldMapping Mapping { get; init; } = new();

    /// <summary>Filters.</summary>
    public RecordFilterOptions Filters { get; init; } = new();

    /// <summary>Currency of records that carry none.</summary>
    public string Currency { get; init; } = "USD";

    /// <summary>Record key.</summary>
    public RecordKeyKind Key { get; init; } = RecordKeyKind.Sku;

    /// <summary>
    /// Guard rail: the largest share of the previous catalog a run may change or delete without approval
    /// (0.30 = 30%). A run above it stops before committing anything.
    /// </summary>
    public double MaxChangeShare { get; init; } = 0.30;

    /// <summary>Approves a run above <see cref="MaxChangeShare"/>.</summary>
    public bool ApproveLargeChange { get; init; }

    /// <summary>A run whose rejected rows exceed this share of rows read fails (0.05 = 5%).</summary>
    public double MaxRejectShare { get; init; } = 0.05;

    /// <summary>Folder that relative paths in settings resolve against, or <see langword="null"/> for the current folder.</summary>
    public string? BaseDirectory { get; init; }
}
