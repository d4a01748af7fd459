using System.Reflection;
using GrocerySync.Plugins.Abstractions;

namespace GrocerySync.Plugins.Hosting.Tests;

/// <summary>
/// A fresh plugins folder per test (<c>plugins/&lt;id&gt;/&lt;version&gt;/</c>), filled from the build output of real
/// plugin projects, with catalog entries hashed the way the hub would publish them.
/// </summary>
internal sealed class PluginPackages : IDisposable
{
    public PluginPackages()
    {
        Root = Path.Combine(Path.GetTempPath(), "gs-plugins-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Root);
    }

    public string Root { get; }

    public static string SampleOutput => Output("SampleOutput");

    public static string ThrowingOutput => Output("ThrowingOutput");

    public static string SqlOutput => Output("SqlOutput");

    /// <summary>Copies a build output into <c>Root/id/version</c> and returns the package folder.</summary>
    public string Install(string buildOutput, string id, string version = "1.0.0")
    {
        var target = Path.Combine(Root, id, version);
        foreach (var file in Directory.EnumerateFiles(buildOutput, "*", SearchOption.AllDirectories))
        {
            var destination = Path.Combine(target, Path.GetRelativePath(buildOutput, file));
            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            File.Copy(file, destination);
        }

        return target;
    }

    /// <summary>The catalog entry a publisher would write for the package as it is now.</summary>
    public static async Task<PluginCatalogEntry> CatalogEntryAsync(string packageFolder, string id, string version = "1.0.0") =>
        new(id, SemanticVersion.Parse(version), await PluginPackageHash.ComputeAsync(packageFolder, TestContext.Current.CancellationToken));

    /// <summary>Rewrites one field of the package's plugin.json.</summary>
    public static void EditManifest(string packageFolder, string field, string value)
    {
        var path = Path.Combine(packageFolder, PluginPackageManifest.FileName);
        var json = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(path))!;
        json[field] = value;
        File.WriteAllText(path, json.ToJsonString());
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // An assembly still mapped by a load context that has not finished unloading; the temp folder is cleaned later.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private static string Output(string key)
    {
        var path = typeof(PluginPackages).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value!;
        Assert.True(Directory.Exists(path), $"Build output {path} is missing; build the test project (it builds the plugin projects first).");
        return Path.GetFullPath(path);
    }
}
