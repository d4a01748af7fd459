using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Loader;
using System.Text;
using GrocerySync.Plugins.Abstractions;
using GrocerySync.Sync;

namespace GrocerySync.Plugins.Hosting.Tests;

/// <summary>The plugin loader with real plugin packages built from projects in this repository.</summary>
public sealed class PluginLoaderTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_sample_plugin_loads_into_its_own_collectible_context_and_feeds_the_engine_registry()
    {
        using var packages = new PluginPackages();
        var folder = packages.Install(PluginPackages.SampleOutput, "sample-uppercase");
        var registry = new PluginRegistry();
        var loader = new PluginLoader((f, origin) => registry.Register(f, origin));

        var result = await loader.LoadAsync(folder, await PluginPackages.CatalogEntryAsync(folder, "sample-uppercase"), Ct);

        Assert.Equal(PluginLoadStatus.Loaded, result.Status);
        Assert.True(registry.TryGet("sample-uppercase", out var registration));
        Assert.EndsWith("GrocerySync.Samples.UppercaseAdapter.dll", registration.Origin, StringComparison.Ordinal);

        var adapter = registry.CreateAdapter("sample-uppercase", new Dictionary<string, string?> { ["currencySuffix"] = " USD" });
        var context = AssemblyLoadContext.GetLoadContext(adapter.GetType().Assembly)!;
        Assert.NotSame(AssemblyLoadContext.Default, context);
        Assert.True(context.IsCollectible);

        // The SDK types are the host's: the adapter writes into the host's OutputBuffer from a host GroceryRecord.
        Assert.Same(typeof(IAdapter).Assembly, AssemblyLoadContext.Default.Assemblies.Single(a => a.GetName().Name == "GrocerySync.Plugins.Abstractions"));
        Assert.Equal("sku\tname\tbrand\tprice\nA1\tCRÈME FRAÎCHE\tDAIRY CO\t2.50 USD\n", Render(adapter, "A1", "Crème fraîche", "Dairy Co", 2.5m));
    }

    [Fact]
    public async Task A_package_changed_after_publication_is_refused_with_HashMismatch()
    {
        using var packages = new PluginPackages();
        var folder = packages.Install(PluginPackages.SampleOutput, "sample-uppercase");
        var entry = await PluginPackages.CatalogEntryAsync(folder, "sample-uppercase");
        await File.AppendAllTextAsync(Path.Combine(folder, "GrocerySync.Samples.UppercaseAdapter.dll"), "tampered", Ct);
        var registered = new List<IPluginFactory>();

        var result = await new PluginLoader((f, _) => registered.Add(f)).LoadAsync(folder, entry, Ct);

        Assert.Equal(PluginLoadStatus.HashMismatch, result.Status);
        Assert.Contains(entry.Sha256, result.Message, StringComparison.Ordinal);
        Assert.Empty(registered);
        Assert.DoesNotContain(AssemblyLoadContext.All, c => c.Assemblies.Any(a => a.GetName().Name == "GrocerySync.Samples.UppercaseAdapter" && a.Location.StartsWith(folder, StringComparison.Ordinal)));
    }

    [Theory]
    [InlineData("1.9.0", "only 1.1.0")]
    [InlineData("2.0.0", "different major version")]
    [InlineData("0.9.0", "different major version")]
    public async Task A_plugin_for_another_engine_version_is_refused_as_Incompatible(string minimumEngineVersion, string expected)
    {
        using var packages = new PluginPackages();
        var folder = packages.Install(PluginPackages.SampleOutput, "sample-uppercase");
        PluginPackages.EditManifest(folder, "minimumEngineVersion", minimumEngineVersion);
        var registered = new List<IPluginFactory>();

        var result = await new PluginLoader((f, _) => registered.Add(f)).LoadAsync(folder, await PluginPackages.CatalogEntryAsync(folder, "sample-uppercase"), Ct);

        Assert.Equal(PluginLoadStatus.Incompatible, result.Status);
        Assert.Contains($"needs engine {minimumEngineVersion}", result.Message, StringComparison.Ordinal);
        Assert.Contains(expected, result.Message, StringComparison.Ordinal);
        Assert.Empty(registered);
    }

    [Fact]
    public void The_SDK_version_a_plugin_was_built_against_is_read_from_its_metadata()
    {
        var path = Path.Combine(PluginPackages.SampleOutput, "GrocerySync.Samples.UppercaseAdapter.dll");

        Assert.Equal(new SemanticVersion(SdkInfo.Version.Major, SdkInfo.Version.Minor, SdkInfo.Version.Patch), PluginLoader.ReferencedSdkVersion(path));
        Assert.Null(PluginLoader.Incompatibility(SdkInfo.Version, "is built against SDK"));
        Assert.Contains("different major", PluginLoader.Incompatibility(new SemanticVersion(SdkInfo.Version.Major + 1, 0, 0), "is built against SDK"), StringComparison.Ordinal);
        Assert.Contains("only", PluginLoader.Incompatibility(SdkInfo.Version with { Minor = SdkInfo.Version.Minor + 1 }, "is built against SDK"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_plugin_that_throws_on_load_is_Malfunctioned_and_the_others_still_load()
    {
        using var packages = new PluginPackages();
        var sample = packages.Install(PluginPackages.SampleOutput, "sample-uppercase");
        var throwing = packages.Install(PluginPackages.ThrowingOutput, "throwing");
        var catalog = new[] { await PluginPackages.CatalogEntryAsync(sample, "sample-uppercase"), await PluginPackages.CatalogEntryAsync(throwing, "throwing") };
        var registry = new PluginRegistry();

        var results = await new PluginLoader((f, o) => registry.Register(f, o)).LoadAllAsync(packages.Root, catalog, Ct);

        var broken = results.Single(r => r.Id == "throwing");
        Assert.Equal(PluginLoadStatus.Malfunctioned, broken.Status);
        Assert.Contains("licence file missing", broken.Message, StringComparison.Ordinal);
        Assert.Null(broken.Plugin);
        Assert.Equal(PluginLoadStatus.Loaded, results.Single(r => r.Id == "sample-uppercase").Status);
        Assert.Equal(["sample-uppercase"], registry.Plugins.Select(p => p.Manifest.Id));
    }

    [Fact]
    public async Task Packages_outside_the_catalog_are_not_loaded_and_missing_ones_are_reported()
    {
        using var packages = new PluginPackages();
        packages.Install(PluginPackages.SampleOutput, "sample-uppercase");
        var registered = new List<IPluginFactory>();
        var catalog = new[] { new PluginCatalogEntry("sftp-x", SemanticVersion.Parse("2.0.0"), new string('0', 64)) };

        var results = await new PluginLoader((f, _) => registered.Add(f)).LoadAllAsync(packages.Root, catalog, Ct);

        Assert.Equal(PluginLoadStatus.NotInCatalog, results.Single(r => r.Id == "sample-uppercase").Status);
        Assert.Equal(PluginLoadStatus.NotInstalled, results.Single(r => r.Id == "sftp-x").Status);
        Assert.Empty(registered);
    }

    [Fact]
    public async Task A_package_whose_plugin_json_disagrees_with_the_catalog_is_InvalidPackage()
    {
        using var packages = new PluginPackages();
        var folder = packages.Install(PluginPackages.SampleOutput, "sample-uppercase");
        PluginPackages.EditManifest(folder, "id", "someone-else");

        var result = await new PluginLoader((_, _) => { }).LoadAsync(folder, await PluginPackages.CatalogEntryAsync(folder, "sample-uppercase"), Ct);

        Assert.Equal(PluginLoadStatus.InvalidPackage, result.Status);
        Assert.Contains("someone-else", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_plugin_whose_id_is_taken_is_Rejected_by_the_registry()
    {
        using var packages = new PluginPackages();
        var first = packages.Install(PluginPackages.SampleOutput, "sample-uppercase");
        var registry = new PluginRegistry();
        var loader = new PluginLoader((f, o) => registry.Register(f, o));
        Assert.Equal(PluginLoadStatus.Loaded, (await loader.LoadAsync(first, await PluginPackages.CatalogEntryAsync(first, "sample-uppercase"), Ct)).Status);

        var second = await loader.LoadAsync(first, await PluginPackages.CatalogEntryAsync(first, "sample-uppercase"), Ct);

        Assert.Equal(PluginLoadStatus.Rejected, second.Status);
        Assert.Contains("already registered", second.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unloading_a_plugin_collects_its_assembly()
    {
        using var packages = new PluginPackages();
        var folder = packages.Install(PluginPackages.SampleOutput, "sample-uppercase");
        var entry = await PluginPackages.CatalogEntryAsync(folder, "sample-uppercase");

        var weak = await LoadUseAndUnloadAsync(folder, entry);
        for (var i = 0; i < 20 && weak.IsAlive; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }

        Assert.False(weak.IsAlive, "the plugin's assembly must be collected once the plugin is unloaded");
    }

    [Fact]
    public async Task The_built_in_SQL_plugin_loads_from_a_package_with_its_native_SQLite_library()
    {
        using var packages = new PluginPackages();
        var folder = packages.Install(PluginPackages.SqlOutput, "sql");
        var registry = new PluginRegistry();
        var result = await new PluginLoader((f, o) => registry.Register(f, o)).LoadAsync(folder, await PluginPackages.CatalogEntryAsync(folder, "sql"), Ct);
        Assert.Equal(PluginLoadStatus.Loaded, result.Status);

        var db = Path.Combine(packages.Root, "shop.db");
        await using var source = registry.CreateSource("sql", new Dictionary<string, string?>
        {
            ["provider"] = "sqlite",
            ["connectionString"] = $"Data Source={db};Pooling=false",
            ["query"] = "WITH t(sku, name) AS (VALUES ('A1', 'Milk'), ('B2', 'Bread')) SELECT * FROM t ORDER BY sku",
        });
        var context = new ReadContext();
        var skus = new List<string>();
        await foreach (var batch in source.ReadAsync(context, Ct))
        {
            for (var r = 0; r < batch.Count; r++)
            {
                skus.Add(Encoding.UTF8.GetString(batch.GetField(r, (int)CanonicalField.Sku)));
            }
        }

        Assert.Equal(["A1", "B2"], skus);
        Assert.True(AssemblyLoadContext.GetLoadContext(source.GetType().Assembly)!.IsCollectible);
    }

    [Fact]
    public async Task The_package_hash_is_the_documented_sha256sum_pipeline()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "The shell pipeline in the docs uses GNU find and sha256sum.");
        using var packages = new PluginPackages();
        var folder = packages.Install(PluginPackages.SampleOutput, "sample-uppercase");
        var start = new ProcessStartInfo("bash", ["-c", "find . -type f -printf '%P\\n' | LC_ALL=C sort | xargs -d '\\n' sha256sum | sha256sum"])
        {
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
        };
        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync(Ct);
        await process.WaitForExitAsync(Ct);

        Assert.Equal(output.Split(' ')[0], await PluginPackageHash.ComputeAsync(folder, Ct));
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static async Task<WeakReference> LoadUseAndUnloadAsync(string folder, PluginCatalogEntry entry)
    {
        PluginRegistry? registry = new();
        PluginLoader? loader = new((f, o) => registry.Register(f, o));
        PluginLoadResult? result = await loader.LoadAsync(folder, entry, Ct);
        var weak = UseThenUnload(result, registry);

        // An async method keeps its locals in its state machine (all of them in Debug builds), which outlives the
        // call: drop everything that leads to the plugin, as a host drops its registry entries before unloading.
        registry = null;
        loader = null;
        result = null;
        return weak;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WeakReference UseThenUnload(PluginLoadResult result, PluginRegistry registry)
    {
        var adapter = registry.CreateAdapter("sample-uppercase", null);
        Assert.StartsWith("sku\t", Render(adapter, "A", "b", "c", 1m), StringComparison.Ordinal);
        var context = AssemblyLoadContext.GetLoadContext(adapter.GetType().Assembly)!;
        var unloading = false;
        context.Unloading += _ => unloading = true;
        var assembly = new WeakReference(adapter.GetType().Assembly);
        _ = result.Plugin!.Unload();
        Assert.True(unloading, "Unload must start unloading the plugin's context");
        return assembly;
    }

    private static string Render(IAdapter adapter, string sku, string name, string brand, decimal price)
    {
        var batch = new SourceBatch(CanonicalFields.Count);
        var row = batch.AddRow(1);
        batch.SetField(row, CanonicalField.Sku, sku);
        batch.SetField(row, CanonicalField.Name, name);
        batch.SetField(row, CanonicalField.Brand, brand);
        var record = new GroceryRecord();
        record.Bind(batch, row, []);
        record.RegularPrice = price;
        var output = new OutputBuffer();
        adapter.WriteHeader(output);
        Assert.True(adapter.WriteRecord(record, output, out var reason), reason);
        adapter.WriteFooter(output);
        return Encoding.UTF8.GetString(output.WrittenSpan);
    }

    private sealed class ReadContext : SourceReadContext
    {
        public override FieldMapping Mapping { get; } = new();

        public override SourceBatch RentBatch() => new(Mapping.SlotCount);

        public override void Reject(long lineNumber, string field, string reason) => Assert.Fail($"line {lineNumber} rejected: {reason}");

        public override void ReportBytesRead(long bytes)
        {
        }
    }
}
