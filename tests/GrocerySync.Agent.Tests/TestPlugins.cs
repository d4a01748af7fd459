using System.IO.Compression;
using System.Reflection;
using GrocerySync.Contracts;
using GrocerySync.Contracts.Agents;
using GrocerySync.Plugins.Hosting;

namespace GrocerySync.Agent.Tests;

/// <summary>
/// Plugin packages built from real plugin projects, zipped as the hub serves them, with the SHA-256 the hub's catalog
/// would hold: the gated test source, the sample upper-case adapter and the built-in folder destination.
/// </summary>
internal static class TestPlugins
{
    public const string SourceId = "test-gated-source";
    public const string AdapterId = "sample-uppercase";
    public const string DestinationId = "folder";
    public const string Version = "1.0.0";

    private static readonly Lazy<Task<IReadOnlyDictionary<string, (byte[] Zip, string Sha256)>>> Built = new(BuildAsync);

    /// <summary>Puts the three packages in the hub's catalog.</summary>
    public static async Task PublishAsync(HubDouble hub)
    {
        foreach (var (id, package) in await Built.Value)
        {
            hub.Packages[$"{id}/{Version}"] = package.Zip;
        }
    }

    public static async Task<string> Sha256Async(string id) => (await Built.Value)[id].Sha256;

    /// <summary>A run of the gated source → upper-case adapter → folder destination.</summary>
    public static async Task<RunSpec> RunAsync(string outFolder, int rows = 10, string? gate = null, int timeoutSeconds = 300, int leaseSeconds = 30,
        string? password = null, string? fail = null, string? sourceSha = null, Guid? jobId = null)
    {
        var source = new Dictionary<string, string?> { ["rows"] = rows.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        if (gate is not null)
        {
            source["gate"] = gate;
        }

        if (password is not null)
        {
            source["password"] = password;
        }

        if (fail is not null)
        {
            source["fail"] = fail;
        }

        var runId = Guid.NewGuid();
        return new RunSpec(
            runId,
            jobId ?? Guid.NewGuid(),
            "job-" + runId.ToString("N")[..6],
            SyncMode.Full,
            new RunPlugin(SourceId, Version, sourceSha ?? await Sha256Async(SourceId), source),
            new RunPlugin(AdapterId, Version, await Sha256Async(AdapterId), new Dictionary<string, string?>()),
            new RunPlugin(DestinationId, Version, await Sha256Async(DestinationId), new Dictionary<string, string?> { ["path"] = outFolder, ["fileName"] = "feed.tsv", ["fsync"] = "false" }),
            new Dictionary<string, string>(),
            new RunFilters(),
            timeoutSeconds,
            leaseSeconds)
        {
            MaxChangeShare = 1,
        };
    }

    /// <summary>A connection test of the folder destination writing to <paramref name="folder"/>, with <paramref name="settings"/> in place of the defaults.</summary>
    public static async Task<ConnectionTestSpec> ConnectionTestAsync(string folder, string pluginId = DestinationId, IReadOnlyDictionary<string, string?>? settings = null) =>
        new(Guid.NewGuid(), "shop feed " + Path.GetFileName(folder),
            new RunPlugin(pluginId, Version, pluginId == DestinationId ? await Sha256Async(DestinationId) : new string('b', 64),
                settings ?? new Dictionary<string, string?> { ["path"] = folder, ["fsync"] = "false" }));

    /// <summary>Zips a package folder (entries relative to it) as the hub would serve it.</summary>
    public static byte[] Zip(string folder, IEnumerable<(string Name, byte[] Content)>? extra = null)
    {
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var file in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            {
                zip.CreateEntryFromFile(file, Path.GetRelativePath(folder, file).Replace('\\', '/'));
            }

            foreach (var (name, content) in extra ?? [])
            {
                using var entry = zip.CreateEntry(name).Open();
                entry.Write(content);
            }
        }

        return buffer.ToArray();
    }

    private static async Task<IReadOnlyDictionary<string, (byte[] Zip, string Sha256)>> BuildAsync()
    {
        var root = Directory.CreateTempSubdirectory("gs-agent-packages-").FullName;
        var result = new Dictionary<string, (byte[], string)>();
        foreach (var (id, output, assembly) in new[]
        {
            (SourceId, Output("GatedSourceOutput"), "GrocerySync.TestPlugins.GatedSource.dll"),
            (AdapterId, Output("SampleOutput"), "GrocerySync.Samples.UppercaseAdapter.dll"),
            (DestinationId, Output("FolderOutput"), "GrocerySync.Plugins.Folder.dll"),
        })
        {
            var package = Path.Combine(root, id);
            CopyPackage(output, assembly, package);
            if (!File.Exists(Path.Combine(package, "plugin.json")))
            {
                // The built-in folder destination has no plugin.json of its own: write the one the hub would publish.
                await File.WriteAllTextAsync(Path.Combine(package, "plugin.json"), PluginJson(id, Version, assembly));
            }

            result[id] = (Zip(package), await PluginPackageHash.ComputeAsync(package, CancellationToken.None));
        }

        return result;
    }

    /// <summary>The sample adapter's package as a plugins folder holds it, its <c>plugin.json</c> saying <paramref name="version"/>.</summary>
    public static void InstallSample(string folder, string version)
    {
        const string assembly = "GrocerySync.Samples.UppercaseAdapter.dll";
        CopyPackage(Output("SampleOutput"), assembly, folder);
        File.WriteAllText(Path.Combine(folder, "plugin.json"), PluginJson(AdapterId, version, assembly));
    }

    /// <summary>Copies a plugin's assembly, its <c>.deps.json</c> and its <c>plugin.json</c> (those that exist) from its build output.</summary>
    private static void CopyPackage(string output, string assembly, string package)
    {
        Directory.CreateDirectory(package);
        foreach (var name in new[] { assembly, Path.ChangeExtension(assembly, ".deps.json"), "plugin.json" })
        {
            var from = Path.Combine(output, name);
            if (File.Exists(from))
            {
                File.Copy(from, Path.Combine(package, name), overwrite: true);
            }
        }
    }

    private static string PluginJson(string id, string version, string assembly) =>
        $$"""{ "id": "{{id}}", "version": "{{version}}", "assembly": "{{assembly}}", "minimumEngineVersion": "1.0.0" }""";

    private static string Output(string key)
    {
        var path = typeof(TestPlugins).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value!;
        Assert.True(Directory.Exists(path), $"Build output {path} is missing; build the test project (it builds the plugin projects first).");
        return Path.GetFullPath(path);
    }
}
