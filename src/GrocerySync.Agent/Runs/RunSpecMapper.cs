using GrocerySync.Agent.Configuration;
using GrocerySync.Contracts.Agents;
using GrocerySync.Plugins.Abstractions;
using GrocerySync.Sync;

namespace GrocerySync.Agent.Runs;

/// <summary>Turns a hub's run spec into the engine's job: plugins, mapping, filters, mode, guard rail, delta state per job.</summary>
internal static class RunSpecMapper
{
    /// <exception cref="RunFailure">The mapping names an unknown canonical field.</exception>
    public static SyncJob ToJob(RunSpec spec, AgentFolder folder, string baseDirectory)
    {
        var fields = new Dictionary<CanonicalField, string>();
        var errors = new List<string>();
        foreach (var (name, column) in spec.Mapping ?? new Dictionary<string, string>())
        {
            if (!CanonicalFields.TryParse(name, out var field))
            {
                errors.Add($"'{name}' is not a canonical field");
            }
            else if (!fields.TryAdd(field, column))
            {
                errors.Add($"'{name}' is mapped twice");
            }
        }

        if (errors.Count > 0)
        {
            throw new RunFailure($"The job's mapping is invalid: {string.Join("; ", errors)} (fields: {string.Join(", ", CanonicalFields.All.Select(CanonicalFields.GetName))}).");
        }

        var filters = spec.Filters ?? new RunFilters();
        return new SyncJob(
            spec.JobId.ToString("D"),
            Reference(spec.Source),
            Reference(spec.Adapter),
            Reference(spec.Destination),
            folder.JobStateFolder(spec.JobId))
        {
            Mode = spec.Mode == Contracts.SyncMode.Full ? Sync.SyncMode.Full : Sync.SyncMode.Delta,
            Mapping = new FieldMapping(fields),
            Filters = new RecordFilterOptions
            {
                Departments = filters.Departments ?? [],
                Categories = filters.Categories ?? [],
                Stores = filters.Stores ?? [],
                ActiveOnly = filters.ActiveOnly,
            },
            Currency = string.IsNullOrWhiteSpace(spec.Currency) ? "USD" : spec.Currency,
            MaxChangeShare = spec.MaxChangeShare,
            ApproveLargeChange = spec.ApproveLargeChange,
            MaxRejectShare = spec.MaxRejectShare,
            BaseDirectory = baseDirectory,
        };
    }

    private static PluginReference Reference(RunPlugin plugin) => new(plugin.PluginId, plugin.Settings ?? new Dictionary<string, string?>());
}

/// <summary>A run that cannot go on, with the reason for the user (it ends Failed with this message).</summary>
internal sealed class RunFailure : Exception
{
    public RunFailure()
    {
    }

    public RunFailure(string message)
        : base(message)
    {
    }

    public RunFailure(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
