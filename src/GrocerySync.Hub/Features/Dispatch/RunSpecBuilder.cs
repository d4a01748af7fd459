using System.Security.Cryptography;
using System.Text.Json;
using GrocerySync.Contracts;
using GrocerySync.Contracts.Agents;
using GrocerySync.Hub.Data;
using GrocerySync.Hub.Features.Plugins;
using GrocerySync.Hub.Security;
using Microsoft.EntityFrameworkCore;

namespace GrocerySync.Hub.Features.Dispatch;

/// <summary>
/// Builds the spec of a run for the agent that owns its job: source, adapter and destination with exact plugin
/// versions and package hashes from the catalog, and the decrypted secrets merged into the settings; and the
/// destination of a connection test for the agent it was given to. A spec exists only in the answer to that agent:
/// it is never logged or stored.
/// </summary>
internal sealed class RunSpecBuilder(HubDbContext db, SecretProtector secrets)
{
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    /// <summary>The spec, or why the run cannot be handed to <paramref name="agentId"/> (the run then fails with that reason).</summary>
    public async Task<(RunSpec? Spec, string? Failure)> BuildAsync(Guid runId, Guid agentId, TimeSpan lease, CancellationToken ct)
    {
        var job = await db.JobRuns.AsNoTracking().Where(r => r.Id == runId && r.AgentId == agentId)
            .Select(r => r.Job)
            .Select(j => new
            {
                j!.Id, j.Name, j.AgentId, j.SyncMode, j.TimeoutSeconds, j.AdapterPluginId, j.AdapterPluginVersion, j.AdapterSettings, j.Filters,
                Source = new { j.Source!.Name, j.Source.AgentId, j.Source.PluginId, j.Source.PluginVersion, j.Source.Settings, j.Source.EncryptedSecrets },
                Destination = new { j.Destination!.Name, j.Destination.PluginId, j.Destination.PluginVersion, j.Destination.Settings, j.Destination.EncryptedSecrets },
            })
            .SingleOrDefaultAsync(ct);
        if (job is null)
        {
            return (null, "The run's job no longer exists.");
        }

        if (job.AgentId != agentId || job.Source.AgentId != agentId)
        {
            return (null, "The job (or its source) now belongs to another agent; queue the run again.");
        }

        var source = await PluginAsync(job.Source.PluginId, job.Source.PluginVersion, PluginKind.Source, job.Source.Settings, job.Source.EncryptedSecrets, $"source '{job.Source.Name}'", ct);
        var adapter = await PluginAsync(job.AdapterPluginId, job.AdapterPluginVersion, PluginKind.Adapter, job.AdapterSettings, null, "adapter", ct);
        var destination = await PluginAsync(job.Destination.PluginId, job.Destination.PluginVersion, PluginKind.Destination, job.Destination.Settings, job.Destination.EncryptedSecrets, $"destination '{job.Destination.Name}'", ct);
        var failure = source.Failure ?? adapter.Failure ?? destination.Failure;
        if (failure is not null)
        {
            return (null, failure);
        }

        RunFilters filters;
        try
        {
            filters = JsonSerializer.Deserialize<RunFilters>(job.Filters, Web) ?? new RunFilters();
        }
        catch (JsonException)
        {
            filters = new RunFilters();
        }

        var spec = new RunSpec(runId, job.Id, job.Name, job.SyncMode, source.Plugin!, adapter.Plugin!, destination.Plugin!,
            new Dictionary<string, string>(), filters, job.TimeoutSeconds, (int)lease.TotalSeconds);
        return (spec, null);
    }

    /// <summary>
    /// One plugin of a spec (a run's, or a connection test's destination): the exact catalog version and hash, and the
    /// settings with the decrypted secrets merged in; or why it cannot be handed out (<paramref name="what"/> names the
    /// connection in that reason).
    /// </summary>
    public async Task<(RunPlugin? Plugin, string? Failure)> PluginAsync(string pluginId, string? version, PluginKind kind, string settingsJson, string? encryptedSecrets, string what, CancellationToken ct)
    {
        var versions = await db.PluginVersions.AsNoTracking()
            .Where(v => v.PluginId == pluginId)
            .Select(v => new { v.Version, v.Sha256 })
            .ToListAsync(ct);
        var chosen = version is null
            ? versions.OrderBy(v => v.Version, SemanticVersion.NewestFirst).FirstOrDefault()
            : versions.FirstOrDefault(v => v.Version == version);
        if (chosen is null)
        {
            return (null, version is null
                ? $"The {what} uses plugin '{pluginId}', which is not in the hub's plugin catalog."
                : $"The {what} uses plugin '{pluginId}' {version}, which is not in the hub's plugin catalog.");
        }

        if (!await db.PluginPackages.AnyAsync(p => p.Id == pluginId && p.Kind == kind, ct))
        {
            return (null, $"The {what} uses plugin '{pluginId}', which is not a {kind.ToString().ToLowerInvariant()} plugin.");
        }

        var settings = TextSettings(settingsJson);
        try
        {
            foreach (var (name, value) in secrets.Unprotect(encryptedSecrets))
            {
                settings[name] = value;
            }
        }
        catch (Exception ex) when (ex is CryptographicException or JsonException)
        {
            return (null, $"The stored secrets of the {what} cannot be decrypted (was the hub's master key changed?). Enter them again.");
        }

        return (new RunPlugin(pluginId, chosen.Version, chosen.Sha256, settings), null);
    }

    /// <summary>A JSON object of settings as name → text: strings as they are, numbers and booleans invariant, objects and arrays as JSON.</summary>
    private static Dictionary<string, string?> TextSettings(string json)
    {
        var settings = new Dictionary<string, string?>(StringComparer.Ordinal);
        using var document = JsonDocument.Parse(string.IsNullOrWhiteSpace(json) ? "{}" : json);
        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            return settings;
        }

        foreach (var property in document.RootElement.EnumerateObject())
        {
            settings[property.Name] = property.Value.ValueKind switch
            {
                JsonValueKind.String => property.Value.GetString(),
                JsonValueKind.Null or JsonValueKind.Undefined => null,
                JsonValueKind.True => "true",
                JsonValueKind.False => "false",
                JsonValueKind.Number => property.Value.GetRawText(),
                _ => property.Value.GetRawText(),
            };
        }

        return settings;
    }
}
