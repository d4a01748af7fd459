using System.Globalization;
using System.Runtime.CompilerServices;
using GrocerySync.Plugins.Abstractions;

namespace GrocerySync.TestPlugins.GatedSource;

/// <summary>
/// A source for agent tests: waits until the file named by <c>gate</c> exists (if given), then yields <c>rows</c>
/// generated records. A test can thus hold a run "running" as long as it needs, and cancel it meanwhile.
/// </summary>
public sealed class GatedSourceFactory : ISourceConnectorFactory
{
    /// <inheritdoc />
    public PluginManifest Manifest { get; } = new(
        Id: "test-gated-source",
        Kind: PluginKind.Source,
        Version: SemanticVersion.Parse("1.0.0"),
        MinimumEngineVersion: SemanticVersion.Parse("1.0.0"),
        DisplayName: "Gated source (tests)",
        Description: "Yields generated records once a gate file exists.")
    {
        Settings =
        [
            new("rows", PluginSettingType.WholeNumber, "Records to yield.") { DefaultValue = "10" },
            new("gate", PluginSettingType.Path, "File that must exist before records are read."),
            new("password", PluginSettingType.Text, "A secret the source never shows.") { IsSecret = true },
            new("fail", PluginSettingType.Text, "When set, the source fails with this message after the gate."),
        ],
    };

    /// <inheritdoc />
    public ISourceConnector Create(PluginSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var rows = int.Parse(settings.GetString("rows", "10"), CultureInfo.InvariantCulture);
        return new GatedSource(rows, settings.GetString("gate", string.Empty), settings.GetString("fail", string.Empty));
    }

    private sealed class GatedSource(int rows, string gate, string fail) : ISourceConnector
    {
        public Task<ConnectionTestResult> TestConnectionAsync(CancellationToken cancellationToken) => Task.FromResult(ConnectionTestResult.Ok("always"));

        public async IAsyncEnumerable<SourceBatch> ReadAsync(SourceReadContext context, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            while (gate.Length > 0 && !File.Exists(gate))
            {
                await Task.Delay(20, cancellationToken);
            }

            if (fail.Length > 0)
            {
                throw new PluginException(fail);
            }

            var batch = context.RentBatch();
            for (var i = 0; i < rows; i++)
            {
                var row = batch.AddRow(i + 2);
                batch.SetField(row, CanonicalField.Sku, string.Create(CultureInfo.InvariantCulture, $"SKU{i:D6}"));
                batch.SetField(row, CanonicalField.Name, string.Create(CultureInfo.InvariantCulture, $"Product {i}"));
                batch.SetField(row, CanonicalField.RegularPrice, "1.25");
                if (batch.Count == 500)
                {
                    yield return batch;
                    batch = context.RentBatch();
                }
            }

            yield return batch;
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
