using System.Collections.Concurrent;
using System.IO.Compression;
using GrocerySync.Agent.Configuration;
using GrocerySync.Agent.Hub;
using GrocerySync.Agent.Logging;
using GrocerySync.Agent.Runs;
using GrocerySync.Contracts.Agents;
using GrocerySync.Plugins.Abstractions;
using GrocerySync.Plugins.Hosting;
using GrocerySync.Sync;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace GrocerySync.Agent.Plugins;

/// <summary>
/// The plugins hub runs use, downloaded from the hub's catalog on first use and cached by version under
/// <c>plugins/&lt;id&gt;/&lt;version&gt;/</c>. A package is extracted into a temporary folder (every entry checked
/// against zip-slip), its SHA-256 compared with the run spec's, and only then renamed into place; every load checks the
/// hash again (<see cref="PluginLoader"/>), so a cached package changed on disk is discarded and fetched anew. Each
/// plugin version lives in its own collectible load context, loaded once and shared by the runs that use it.
/// </summary>
internal sealed class PluginCache(AgentFolder folder, HubClient hub, IOptions<AgentOptions> options, ILogger<PluginCache> logger)
{
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _locks = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (string Sha256, LoadedPlugin Plugin)> _loaded = new(StringComparer.Ordinal);

    /// <summary>The plugin versions this agent has loaded or cached, for heartbeats.</summary>
    public IReadOnlyList<AgentPluginInfo> Inventory()
    {
        var found = new SortedSet<(string, string)>();
        if (Directory.Exists(folder.PluginsFolder))
        {
            foreach (var id in Directory.EnumerateDirectories(folder.PluginsFolder).Where(d => !Path.GetFileName(d).StartsWith('.')))
            {
                foreach (var version in Directory.EnumerateDirectories(id))
                {
                    found.Add((Path.GetFileName(id), Path.GetFileName(version)));
                }
            }
        }

        foreach (var p in _loaded.Values)
        {
            found.Add((p.Plugin.Id, p.Plugin.Version.ToString()));
        }

        return [.. found.Select(f => new AgentPluginInfo(f.Item1, f.Item2))];
    }

    /// <summary>Removes leftovers of interrupted downloads.</summary>
    public void CleanUp()
    {
        if (!Directory.Exists(folder.PluginsFolder))
        {
            return;
        }

        foreach (var entry in Directory.EnumerateFileSystemEntries(folder.PluginsFolder, ".download-*"))
        {
            try
            {
                if (Directory.Exists(entry))
                {
                    Directory.Delete(entry, recursive: true);
                }
                else
                {
                    File.Delete(entry);
                }
            }
            catch (IOException)
            {
                // Still in use by another agent process on the same folder; the next start removes it.
            }
        }
    }

    /// <summary>A registry with the run's source, adapter and destination, each from the hub's catalog.</summary>
    /// <exception cref="RunFailure">A plugin could not be downloaded, failed its hash check or did not load.</exception>
    public Task<PluginRegistry> CreateRegistryAsync(RunSpec spec, CancellationToken cancellationToken) =>
        CreateRegistryAsync([spec.Source, spec.Adapter, spec.Destination], cancellationToken);

    /// <summary>A registry with <paramref name="plugins"/>, each from the hub's catalog.</summary>
    /// <exception cref="RunFailure">A plugin could not be downloaded, failed its hash check or did not load.</exception>
    public async Task<PluginRegistry> CreateRegistryAsync(IEnumerable<RunPlugin> plugins, CancellationToken cancellationToken)
    {
        var registry = new PluginRegistry();
        var done = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var plugin in plugins)
        {
            if (!done.Add(plugin.PluginId))
            {
                continue;
            }

            var loaded = await GetAsync(plugin, cancellationToken);
            foreach (var factory in loaded.Factories)
            {
                try
                {
                    registry.Register(factory, loaded.Origin);
                }
                catch (PluginException ex)
                {
                    throw new RunFailure($"Plugin '{plugin.PluginId}' {plugin.Version} could not be used: {ex.Message}");
                }
            }
        }

        return registry;
    }

    private async Task<LoadedPlugin> GetAsync(RunPlugin plugin, CancellationToken cancellationToken)
    {
        if (!SemanticVersion.TryParse(plugin.Version, out var version) || !IsSafeName(plugin.PluginId))
        {
            throw new RunFailure($"The run names plugin '{plugin.PluginId}' version '{plugin.Version}', which is not a valid plugin id and semantic version.");
        }

        if (string.IsNullOrWhiteSpace(plugin.Sha256))
        {
            throw new RunFailure($"The run names plugin '{plugin.PluginId}' {plugin.Version} without its SHA-256; the agent runs only verified plugins.");
        }

        var key = $"{plugin.PluginId.ToLowerInvariant()}/{version}";
        var gate = _locks.GetOrAdd(key, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken);
        try
        {
            if (_loaded.TryGetValue(key, out var cached) && PluginPackageHash.Matches(plugin.Sha256, cached.Sha256))
            {
                return cached.Plugin;
            }

            var entry = new PluginCatalogEntry(plugin.PluginId, version, plugin.Sha256);
            var target = Path.Combine(folder.PluginsFolder, plugin.PluginId.ToLowerInvariant(), version.ToString());
            if (Directory.Exists(target))
            {
                var fromCache = await LoadAsync(target, entry, plugin, fromCache: true, cancellationToken);
                if (fromCache is not null)
                {
                    logger.PluginCacheHit(plugin.PluginId, plugin.Version);
                    _loaded[key] = (plugin.Sha256, fromCache);
                    return fromCache;
                }
            }

            await DownloadAsync(plugin, target, cancellationToken);
            var loaded = await LoadAsync(target, entry, plugin, fromCache: false, cancellationToken)
                ?? throw new RunFailure($"Plugin '{plugin.PluginId}' {plugin.Version} changed on disk while it was being installed.");
            _loaded[key] = (plugin.Sha256, loaded);
            return loaded;
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>Loads a package; null when a cached package fails its hash check (it is then discarded).</summary>
    private async Task<LoadedPlugin?> LoadAsync(string packageFolder, PluginCatalogEntry entry, RunPlugin plugin, bool fromCache, CancellationToken cancellationToken)
    {
        var result = await new PluginLoader((_, _) => { }).LoadAsync(packageFolder, entry, cancellationToken);
        if (result.Status == PluginLoadStatus.Loaded)
        {
            return result.Plugin!;
        }

        if (fromCache && result.Status == PluginLoadStatus.HashMismatch)
        {
            logger.PluginCacheDiscarded(plugin.PluginId, plugin.Version, result.Message);
            Directory.Delete(packageFolder, recursive: true);
            return null;
        }

        logger.PluginRefused(plugin.PluginId, plugin.Version, result.Status.ToString(), result.Message);
        throw new RunFailure(result.Message);
    }

    private async Task DownloadAsync(RunPlugin plugin, string target, CancellationToken cancellationToken)
    {
        SecureFiles.CreatePrivateDirectory(folder.PluginsFolder);
        var tag = Guid.NewGuid().ToString("N");
        var zipPath = Path.Combine(folder.PluginsFolder, $".download-{tag}.zip");
        var temp = Path.Combine(folder.PluginsFolder, $".download-{tag}");
        var max = options.Value.MaxPluginPackageBytes;
        logger.PluginDownloading(plugin.PluginId, plugin.Version);
        try
        {
            await using (var file = new FileStream(zipPath, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.Asynchronous))
            {
                try
                {
                    await hub.DownloadPluginAsync(plugin.PluginId, plugin.Version, file, max, cancellationToken);
                }
                catch (HubRejectedException ex)
                {
                    throw new RunFailure($"Plugin '{plugin.PluginId}' {plugin.Version} could not be downloaded from the hub: {ex.Message}");
                }
                catch (HubUnavailableException ex)
                {
                    throw new RunFailure($"Plugin '{plugin.PluginId}' {plugin.Version} could not be downloaded from the hub: {ex.Message}");
                }
            }

            Extract(zipPath, temp, plugin, max);
            var actual = await PluginPackageHash.ComputeAsync(temp, cancellationToken);
            if (!PluginPackageHash.Matches(plugin.Sha256, actual))
            {
                var message = $"Plugin '{plugin.PluginId}' {plugin.Version} was refused: the package the hub sent hashes to {actual}, but the run expects {plugin.Sha256.ToLowerInvariant()}. It was discarded.";
                logger.PluginRefused(plugin.PluginId, plugin.Version, nameof(PluginLoadStatus.HashMismatch), message);
                throw new RunFailure(message);
            }

            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            if (Directory.Exists(target))
            {
                Directory.Delete(target, recursive: true);
            }

            Directory.Move(temp, target);
            SecureFiles.RestrictTree(target);
            var size = new FileInfo(zipPath).Length;
            logger.PluginDownloaded(plugin.PluginId, plugin.Version, size);
        }
        finally
        {
            File.Delete(zipPath);
            if (Directory.Exists(temp))
            {
                Directory.Delete(temp, recursive: true);
            }
        }
    }

    /// <summary>Extracts the zip into <paramref name="temp"/>; refuses entries that would land outside it, links, and oversize content.</summary>
    private static void Extract(string zipPath, string temp, RunPlugin plugin, long maxBytes)
    {
        var root = Path.GetFullPath(temp) + Path.DirectorySeparatorChar;
        Directory.CreateDirectory(temp);
        try
        {
            using var zip = ZipFile.OpenRead(zipPath);
            long total = 0;
            foreach (var entry in zip.Entries)
            {
                var name = entry.FullName.Replace('\\', '/');
                var destination = Path.GetFullPath(Path.Combine(root, name));
                if (name.StartsWith('/') || name.Contains(':', StringComparison.Ordinal) || !destination.StartsWith(root, StringComparison.Ordinal))
                {
                    throw new RunFailure($"Plugin package '{plugin.PluginId}' {plugin.Version} was refused: entry '{entry.FullName}' would be written outside the package folder.");
                }

                // Unix file type bits in the external attributes: only regular files and folders are allowed.
                var unixType = (entry.ExternalAttributes >> 16) & 0xF000;
                if (unixType is not 0 and not 0x8000 and not 0x4000)
                {
                    throw new RunFailure($"Plugin package '{plugin.PluginId}' {plugin.Version} was refused: entry '{entry.FullName}' is a link or special file.");
                }

                if (name.EndsWith('/'))
                {
                    Directory.CreateDirectory(destination);
                    continue;
                }

                total += entry.Length;
                if (total > maxBytes)
                {
                    throw new RunFailure($"Plugin package '{plugin.PluginId}' {plugin.Version} was refused: it unpacks to more than {maxBytes:N0} bytes.");
                }

                Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
                entry.ExtractToFile(destination, overwrite: false);
            }
        }
        catch (InvalidDataException ex)
        {
            throw new RunFailure($"Plugin package '{plugin.PluginId}' {plugin.Version} from the hub is not a valid zip file: {ex.Message}");
        }
    }

    internal static bool IsSafeName(string id) =>
        !string.IsNullOrWhiteSpace(id) && id.Length <= 100 && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.') && !id.StartsWith('.');
}
