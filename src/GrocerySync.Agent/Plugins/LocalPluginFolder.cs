using GrocerySync.Plugins.Abstractions;
using GrocerySync.Plugins.Hosting;
using GrocerySync.Sync;

namespace GrocerySync.Agent.Plugins;

/// <summary>
/// Plugins for a hub-less <c>gsagent sync</c> from a folder of packages laid out <c>&lt;id&gt;/&lt;version&gt;/</c>
/// (the hub's <c>plugins</c> folder, or a third party's published package): the spec's plugins that are not built in,
/// each at the highest version present. There is no catalog to hold a package's SHA-256, so the folder is trusted as
/// the spec file is; everything else the hub and the service check applies (<c>plugin.json</c> agrees with the folder
/// and the factory, the SDK is compatible, an own collectible load context).
/// </summary>
internal static class LocalPluginFolder
{
    /// <summary>Loads the plugins of <paramref name="pluginIds"/> missing from <paramref name="registry"/>; returns why one could not be, or null.</summary>
    public static async Task<string?> LoadMissingAsync(PluginRegistry registry, string root, IEnumerable<string> pluginIds, CancellationToken cancellationToken)
    {
        foreach (var id in pluginIds.Distinct(StringComparer.OrdinalIgnoreCase))
        {
            if (registry.TryGet(id, out _))
            {
                continue;
            }

            var idFolder = Path.Combine(root, id);
            try
            {
                var newest = PluginCache.IsSafeName(id) && Directory.Exists(idFolder)
                    ? Directory.EnumerateDirectories(idFolder)
                        .Select(d => (Folder: d, Ok: SemanticVersion.TryParse(Path.GetFileName(d), out var v), Version: v))
                        .Where(p => p.Ok)
                        .OrderByDescending(p => p.Version)
                        .FirstOrDefault()
                    : default;
                if (newest.Folder is null)
                {
                    return $"Plugin '{id}' is not built in and not in the plugins folder {root} (expected {Path.Combine(root, id, "<version>")}).";
                }

                var result = await new PluginLoader((factory, origin) => registry.Register(factory, origin)).LoadUncataloguedAsync(newest.Folder, id, newest.Version, cancellationToken);
                if (result.Status != PluginLoadStatus.Loaded)
                {
                    return result.Message;
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                return $"Plugin '{id}' could not be read from the plugins folder {root}: {ex.Message}";
            }
        }

        return null;
    }
}
