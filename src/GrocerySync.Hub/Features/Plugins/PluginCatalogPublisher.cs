using System.Text.Json;
using System.Text.Json.Nodes;
using GrocerySync.Hub.Data;
using GrocerySync.Hub.Data.Entities;
using GrocerySync.Hub.Tenancy;
using GrocerySync.Plugins.Abstractions;
using GrocerySync.Plugins.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using ContractKind = GrocerySync.Contracts.PluginKind;
using SdkVersion = GrocerySync.Plugins.Abstractions.SemanticVersion;

namespace GrocerySync.Hub.Features.Plugins;

/// <summary>
/// At start, publishes every package in the hub's plugins folder (the built-in plugins, see BuiltInPlugins.targets) to
/// the catalog: its SHA-256 (<see cref="PluginPackageHash"/>), and from its manifest the kind, names and settings
/// schema. The manifest is read by loading the package with the plugin loader (hash and compatibility checked) into a
/// collectible context that is unloaded right after. Upserts are idempotent and safe on several replicas.
/// </summary>
internal sealed class PluginCatalogPublisher(IServiceScopeFactory scopes, IOptions<PluginPackageOptions> options, PackageHashes hashes, TimeProvider time, ILogger<PluginCatalogPublisher> log)
    : IHostedService
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (options.Value.PublishOnStart)
        {
            await PublishAsync(cancellationToken);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task<int> PublishAsync(CancellationToken ct)
    {
        var root = options.Value.ResolvedPackagesDirectory;
        if (!Directory.Exists(root))
        {
            HubLog.PluginFolderMissing(log, root);
            return 0;
        }

        var published = 0;
        foreach (var folder in Directory.EnumerateDirectories(root).SelectMany(Directory.EnumerateDirectories).Order(StringComparer.Ordinal))
        {
            var id = Path.GetFileName(Path.GetDirectoryName(folder))!;
            var version = Path.GetFileName(folder);
            var entry = await ReadAsync(folder, id, version, ct);
            if (entry is null)
            {
                continue;
            }

            await UpsertAsync(entry.Value, ct);
            published++;
        }

        return published;
    }

    private async Task<(PluginPackage Package, PluginVersion Version)?> ReadAsync(string folder, string id, string version, CancellationToken ct)
    {
        if (!SdkVersion.TryParse(version, out var semantic))
        {
            HubLog.PluginPackageRefused(log, id, version, "the folder name is not a semantic version");
            return null;
        }

        var sha256 = await hashes.GetAsync(folder, ct);
        PluginManifest? manifest = null;
        var result = await new PluginLoader((_, _) => { }).LoadAsync(folder, new PluginCatalogEntry(id, semantic, sha256), ct);
        try
        {
            manifest = result.Plugin?.Factories.Select(f => f.Manifest).FirstOrDefault(m => string.Equals(m.Id, id, StringComparison.OrdinalIgnoreCase));
            if (result.Status != PluginLoadStatus.Loaded || manifest is null)
            {
                HubLog.PluginPackageRefused(log, id, version, result.Message);
                return null;
            }

            var package = new PluginPackage { Id = manifest.Id, Kind = Enum.Parse<ContractKind>(manifest.Kind.ToString()), DisplayName = manifest.DisplayName, Description = manifest.Description };
            var row = new PluginVersion
            {
                PluginId = manifest.Id,
                Version = manifest.Version.ToString(),
                Sha256 = sha256,
                SettingsSchema = SettingsSchema(manifest),
                MinimumAgentVersion = manifest.MinimumEngineVersion.ToString(),
                PublishedAt = time.GetUtcNow(),
            };
            return (package, row);
        }
        finally
        {
            result.Plugin?.Unload();
        }
    }

    private async Task UpsertAsync((PluginPackage Package, PluginVersion Version) entry, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            await using var scope = scopes.CreateAsyncScope();
            scope.ServiceProvider.GetRequiredService<CurrentUser>().SetSystem();
            var db = scope.ServiceProvider.GetRequiredService<HubDbContext>();
            try
            {
                var (package, version) = entry;
                var stored = await db.PluginPackages.Include(p => p.Versions).SingleOrDefaultAsync(p => p.Id == package.Id, ct);
                if (stored is null)
                {
                    stored = new PluginPackage { Id = package.Id, Kind = package.Kind, DisplayName = package.DisplayName, Description = package.Description };
                    db.PluginPackages.Add(stored);
                }
                else
                {
                    stored.Kind = package.Kind;
                    stored.DisplayName = package.DisplayName;
                    stored.Description = package.Description;
                }

                var storedVersion = stored.Versions.FirstOrDefault(v => v.Version == version.Version);
                if (storedVersion is null)
                {
                    stored.Versions.Add(new PluginVersion
                    {
                        PluginId = stored.Id, Version = version.Version, Sha256 = version.Sha256, SettingsSchema = version.SettingsSchema,
                        MinimumAgentVersion = version.MinimumAgentVersion, PublishedAt = version.PublishedAt,
                    });
                    HubLog.PluginPublished(log, stored.Id, version.Version, version.Sha256);
                }
                else if (storedVersion.Sha256 != version.Sha256 || storedVersion.SettingsSchema != version.SettingsSchema || storedVersion.MinimumAgentVersion != version.MinimumAgentVersion)
                {
                    // This hub ships a different build under the same version: agents must get what it serves.
                    HubLog.PluginRepublished(log, stored.Id, version.Version, storedVersion.Sha256, version.Sha256);
                    storedVersion.Sha256 = version.Sha256;
                    storedVersion.SettingsSchema = version.SettingsSchema;
                    storedVersion.MinimumAgentVersion = version.MinimumAgentVersion;
                }

                await db.SaveChangesAsync(ct);
                return;
            }
            catch (DbUpdateException) when (attempt < 3)
            {
                // Another replica published the same plugin at the same moment; read what it wrote and try again.
            }
        }
    }

    /// <summary>The manifest's settings as a JSON Schema object; secret settings carry <c>"x-secret": true</c>.</summary>
    internal static string SettingsSchema(PluginManifest manifest)
    {
        var properties = new JsonObject();
        foreach (var s in manifest.Settings)
        {
            var property = new JsonObject
            {
                ["type"] = s.Type switch
                {
                    PluginSettingType.WholeNumber => "integer",
                    PluginSettingType.Number => "number",
                    PluginSettingType.Boolean => "boolean",
                    _ => "string",
                },
                ["description"] = s.Description,
                ["x-settingType"] = s.Type.ToString(),
            };
            if (s.Type == PluginSettingType.Uri)
            {
                property["format"] = "uri";
            }

            if (s.DefaultValue is not null)
            {
                property["default"] = s.DefaultValue;
            }

            if (s.AllowedValues.Count > 0)
            {
                property["enum"] = new JsonArray([.. s.AllowedValues.Select(v => (JsonNode?)JsonValue.Create(v))]);
            }

            if (s.IsSecret)
            {
                property["x-secret"] = true;
            }

            properties[s.Name] = property;
        }

        var schema = new JsonObject
        {
            ["type"] = "object",
            ["properties"] = properties,
            ["required"] = new JsonArray([.. manifest.Settings.Where(s => s.Required).Select(s => (JsonNode?)JsonValue.Create(s.Name))]),
            ["additionalProperties"] = false,
        };
        return schema.ToJsonString(Json);
    }
}
