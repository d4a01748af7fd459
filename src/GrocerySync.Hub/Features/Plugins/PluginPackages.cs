using System.Collections.Concurrent;
using System.IO.Compression;
using System.Text.RegularExpressions;
using GrocerySync.Hub.Data;
using GrocerySync.Plugins.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace GrocerySync.Hub.Features.Plugins;

/// <summary>Settings under <c>Hub:Plugins</c>.</summary>
internal sealed class PluginPackageOptions
{
    public const string Section = "Hub:Plugins";

    /// <summary>Folder of plugin packages laid out as <c>&lt;id&gt;/&lt;version&gt;/</c>; empty: the <c>plugins</c> folder the hub ships next to its assembly.</summary>
    public string? PackagesDirectory { get; set; }

    /// <summary>Publishes every package of the folder to the catalog at start.</summary>
    public bool PublishOnStart { get; set; } = true;

    public string ResolvedPackagesDirectory =>
        string.IsNullOrWhiteSpace(PackagesDirectory) ? Path.Combine(AppContext.BaseDirectory, "plugins") : Path.GetFullPath(PackagesDirectory);
}

/// <summary>
/// The plugin packages this hub serves to agents: a catalog version whose package lies in the packages folder and
/// still hashes to the catalog's SHA-256, as a zip (made once per package hash, kept in the data folder).
/// </summary>
internal sealed partial class PluginPackages(HubDbContext db, IOptions<PluginPackageOptions> options, IOptions<HubOptions> hub, IHostEnvironment environment, PackageHashes hashes)
{
    public async Task<Stream?> OpenZipAsync(string id, string version, CancellationToken ct)
    {
        if (!SafeName().IsMatch(id) || !SafeName().IsMatch(version))
        {
            return null;
        }

        var sha256 = await db.PluginVersions.AsNoTracking().Where(v => v.PluginId == id && v.Version == version).Select(v => v.Sha256).SingleOrDefaultAsync(ct);
        var folder = Path.Combine(options.Value.ResolvedPackagesDirectory, id, version);
        if (sha256 is null || !Directory.Exists(folder) || !PluginPackageHash.Matches(sha256, await hashes.GetAsync(folder, ct)))
        {
            return null;
        }

        var zips = Path.Combine(DataDirectory.Resolve(hub.Value, environment), "plugin-packages");
        Directory.CreateDirectory(zips);
        var zip = Path.Combine(zips, $"{id}-{version}-{sha256}.zip");
        if (!File.Exists(zip))
        {
            var partial = $"{zip}.{Guid.NewGuid():N}.tmp";
            await using (var output = new FileStream(partial, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
            {
                await ZipFile.CreateFromDirectoryAsync(folder, output, CompressionLevel.Fastest, includeBaseDirectory: false, ct);
            }

            File.Move(partial, zip, overwrite: true);
        }

        return new FileStream(zip, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._+-]{0,127}$")]
    private static partial Regex SafeName();
}

/// <summary>Package hashes of this hub's folder, computed once per folder (packages do not change while the hub runs).</summary>
internal sealed class PackageHashes
{
    private readonly ConcurrentDictionary<string, Lazy<Task<string>>> _hashes = new(StringComparer.Ordinal);

    public Task<string> GetAsync(string folder, CancellationToken ct) =>
        _hashes.GetOrAdd(Path.GetFullPath(folder), f => new Lazy<Task<string>>(() => PluginPackageHash.ComputeAsync(f, CancellationToken.None))).Value.WaitAsync(ct);
}
