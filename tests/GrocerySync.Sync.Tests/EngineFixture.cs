using GrocerySync.Plugins.Abstractions;
using GrocerySync.Plugins.DelimitedFile;
using GrocerySync.Plugins.Feeds;
using GrocerySync.Plugins.Folder;
using Microsoft.Extensions.Time.Testing;

namespace GrocerySync.Sync.Tests;

/// <summary>A job over a temporary folder: catalog.csv in, out/feed.* written, state/ kept. Each test makes its own.</summary>
internal sealed class EngineFixture : IDisposable
{
    public EngineFixture(string adapter = GoogleMerchantAdapterFactory.Id)
    {
        Root = Directory.CreateTempSubdirectory("gs-sync-").FullName;
        Registry = new PluginRegistry()
            .Register(new DelimitedFileSourceFactory())
            .Register(new FolderDestinationFactory())
            .Register(new GoogleMerchantAdapterFactory())
            .Register(new JsonLinesAdapterFactory())
            .Register(new GenericCsvAdapterFactory())
            .Register(new FlakyDestinationFactory())
            .Register(Scripted);
        Job = new SyncJob(
            "test-job",
            new PluginReference(DelimitedFileSourceFactory.Id, new Dictionary<string, string?> { ["path"] = SourcePath }),
            new PluginReference(adapter, new Dictionary<string, string?>()),
            new PluginReference(FolderDestinationFactory.Id, new Dictionary<string, string?> { ["path"] = OutFolder, ["fileName"] = "feed.out" }),
            StateFolder)
        {
            Mapping = new FieldMapping(new Dictionary<CanonicalField, string>
            {
                [CanonicalField.Sku] = "sku",
                [CanonicalField.Gtin] = "upc",
                [CanonicalField.Name] = "name",
                [CanonicalField.Brand] = "brand",
                [CanonicalField.Size] = "size",
                [CanonicalField.Unit] = "unit",
                [CanonicalField.Department] = "department",
                [CanonicalField.Category] = "category",
                [CanonicalField.RegularPrice] = "price",
                [CanonicalField.SalePrice] = "sale_price",
                [CanonicalField.SaleStart] = "sale_start",
                [CanonicalField.SaleEnd] = "sale_end",
                [CanonicalField.QuantityOnHand] = "qty_on_hand",
                [CanonicalField.StoreId] = "store_id",
                [CanonicalField.Active] = "active",
                [CanonicalField.ImageUrl] = "image_url",
            }),
        };
    }

    public string Root { get; }

    public string SourcePath => Path.Combine(Root, "catalog.csv");

    public string OutFolder => Path.Combine(Root, "out");

    public string OutFile => Path.Combine(OutFolder, "feed.out");

    public string StateFolder => Path.Combine(Root, "state");

    public string StateFile => Path.Combine(StateFolder, "test-job.delta");

    public PluginRegistry Registry { get; }

    /// <summary>A destination whose writes the test scripts (records every batch; may block or fail).</summary>
    public ScriptedDestinationFactory Scripted { get; } = new();

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 11, 26, 8, 0, 0, TimeSpan.Zero));

    public SyncJob Job { get; set; }

    public string[] OutLines => File.ReadAllLines(OutFile);

    public Task<SyncRunSummary> RunAsync(Catalog catalog, Func<SyncJob, SyncJob>? configure = null)
    {
        catalog.WriteTo(SourcePath);
        return RunAsync(configure);
    }

    public Task<SyncRunSummary> RunAsync(Func<SyncJob, SyncJob>? configure = null)
    {
        var job = configure is null ? Job : configure(Job);
        return new SyncEngine(Registry, Time).RunAsync(job, cancellationToken: TestContext.Current.CancellationToken);
    }

    /// <summary>
    /// The job with a folder destination that fails on purpose: after <paramref name="failAfterBatches"/> batches (half
    /// of the next one written), in its commit (<paramref name="failOnCommit"/>), or right after committing with an
    /// exception the engine does not handle, as if the process died after the rename (<paramref name="dieAfterCommit"/>).
    /// </summary>
    public SyncJob WithFlakyDestination(SyncJob job, int failAfterBatches, bool failOnCommit = false, bool dieAfterCommit = false) => job with
    {
        Destination = new PluginReference(FlakyDestinationFactory.Id, new Dictionary<string, string?>
        {
            ["path"] = OutFolder,
            ["fileName"] = "feed.out",
            ["failAfterBatches"] = failAfterBatches.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["failOnCommit"] = failOnCommit ? "true" : "false",
            ["dieAfterCommit"] = dieAfterCommit ? "true" : "false",
        }),
    };

    public static SyncJob WithScriptedDestination(SyncJob job) => job with
    {
        Destination = new PluginReference(ScriptedDestinationFactory.Id, new Dictionary<string, string?>()),
    };

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>The folder destination with a fault injected: it throws after N batches, or in commit (a crash mid-run).</summary>
internal sealed class FlakyDestinationFactory : IDestinationConnectorFactory
{
    public const string Id = "flaky-folder";
    private readonly FolderDestinationFactory _inner = new();

    public PluginManifest Manifest { get; } = new(Id, PluginKind.Destination, SemanticVersion.Parse("1.0.0"), SemanticVersion.Parse("1.0.0"), "Flaky folder", "Test double.")
    {
        Settings =
        [
            new("path", PluginSettingType.Path, "folder") { Required = true },
            new("fileName", PluginSettingType.Text, "name"),
            new("failAfterBatches", PluginSettingType.WholeNumber, "batches before failing"),
            new("failOnCommit", PluginSettingType.Boolean, "fail in commit"),
            new("dieAfterCommit", PluginSettingType.Boolean, "commit, then die"),
        ],
    };

    public IDestinationConnector Create(PluginSettings settings)
    {
        var inner = _inner.Create(PluginSettings.Create(_inner.Manifest, new Dictionary<string, string?>
        {
            ["path"] = settings.GetRequiredString("path"),
            ["fileName"] = settings.GetString("fileName", "{job}.{ext}"),
        }));
        return new Flaky(inner, (int)settings.GetInt64("failAfterBatches", int.MaxValue), settings.GetBoolean("failOnCommit", false), settings.GetBoolean("dieAfterCommit", false));
    }

    private sealed class Flaky(IDestinationConnector inner, int failAfter, bool failOnCommit, bool dieAfterCommit) : IDestinationConnector
    {
        public Task<ConnectionTestResult> TestConnectionAsync(CancellationToken cancellationToken) => inner.TestConnectionAsync(cancellationToken);

        public async Task<IDestinationTransaction> BeginAsync(DestinationContext context, CancellationToken cancellationToken) =>
            new Tx(await inner.BeginAsync(context, cancellationToken), failAfter, failOnCommit, dieAfterCommit);

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }

    private sealed class Tx(IDestinationTransaction inner, int failAfter, bool failOnCommit, bool dieAfterCommit) : IDestinationTransaction
    {
        private int _batches;

        public async ValueTask WriteAsync(DestinationBatch batch, CancellationToken cancellationToken)
        {
            if (_batches++ >= failAfter)
            {
                // Write half of the batch first, as a crash in the middle of a write would.
                await inner.WriteAsync(batch with { Data = batch.Data[..(batch.Data.Length / 2)] }, cancellationToken);
                throw new IOException("injected failure: the disk went away mid-batch");
            }

            await inner.WriteAsync(batch, cancellationToken);
        }

        public async Task CommitAsync(CancellationToken cancellationToken)
        {
            if (failOnCommit)
            {
                throw new IOException("injected failure in commit");
            }

            await inner.CommitAsync(cancellationToken);
            if (dieAfterCommit)
            {
                throw new ProcessDiedException();
            }
        }

        public Task RollbackAsync(CancellationToken cancellationToken) => inner.RollbackAsync(cancellationToken);

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}

/// <summary>
/// A destination that keeps every batch in memory and runs the test's <see cref="OnWrite"/> first, so a test can block
/// a write, cancel the run while a write is in flight, or fail a given batch. <see cref="Committed"/> tells whether the
/// engine committed.
/// </summary>
internal sealed class ScriptedDestinationFactory : IDestinationConnectorFactory
{
    public const string Id = "scripted";

    public PluginManifest Manifest { get; } = new(Id, PluginKind.Destination, SemanticVersion.Parse("1.0.0"), SemanticVersion.Parse("1.0.0"), "Scripted", "Test double.");

    public Func<DestinationBatch, CancellationToken, ValueTask>? OnWrite { get; set; }

    public List<(long Sequence, int RecordCount, bool IsLast, byte[] Data)> Batches { get; } = [];

    public bool Committed { get; private set; }

    public bool RolledBack { get; private set; }

    public IDestinationConnector Create(PluginSettings settings) => new Connector(this);

    private sealed class Connector(ScriptedDestinationFactory owner) : IDestinationConnector, IDestinationTransaction
    {
        public Task<ConnectionTestResult> TestConnectionAsync(CancellationToken cancellationToken) => Task.FromResult(ConnectionTestResult.Ok("ok"));

        public Task<IDestinationTransaction> BeginAsync(DestinationContext context, CancellationToken cancellationToken) => Task.FromResult<IDestinationTransaction>(this);

        public async ValueTask WriteAsync(DestinationBatch batch, CancellationToken cancellationToken)
        {
            if (owner.OnWrite is { } onWrite)
            {
                await onWrite(batch, cancellationToken);
            }

            owner.Batches.Add((batch.Sequence, batch.RecordCount, batch.IsLast, batch.Data.ToArray()));
        }

        public Task CommitAsync(CancellationToken cancellationToken)
        {
            owner.Committed = true;
            return Task.CompletedTask;
        }

        public Task RollbackAsync(CancellationToken cancellationToken)
        {
            owner.RolledBack = true;
            return Task.CompletedTask;
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}

/// <summary>Stands for the process dying at that instant: no code of the engine handles it.</summary>
#pragma warning disable CA1032, CA1064 // A test double, only thrown and caught in tests.
internal sealed class ProcessDiedException() : Exception("the process died here");
#pragma warning restore CA1032, CA1064
