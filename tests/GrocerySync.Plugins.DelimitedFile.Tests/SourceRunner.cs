using System.Text;
using GrocerySync.Plugins.Abstractions;

namespace GrocerySync.Plugins.DelimitedFile.Tests;

/// <summary>Reads a file through the plugin as an engine would, collecting rows (as text) and rejects.</summary>
internal sealed class SourceRunner : SourceReadContext, IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("gs-csv-").FullName;

    public SourceRunner(FieldMapping? mapping = null)
    {
        Mapping = mapping ?? new FieldMapping(new Dictionary<CanonicalField, string>
        {
            [CanonicalField.Sku] = "sku",
            [CanonicalField.Name] = "name",
            [CanonicalField.RegularPrice] = "price",
        });
    }

    public override FieldMapping Mapping { get; }

    public List<(long Line, string Field, string Reason)> Rejects { get; } = [];

    public List<(long Line, Dictionary<CanonicalField, string> Fields)> Rows { get; } = [];

    public long BytesRead { get; private set; }

    public long TotalBytes { get; private set; }

    public string Path => System.IO.Path.Combine(_dir, "export.csv");

    public override SourceBatch RentBatch() => new(Mapping.SlotCount);

    public override void Reject(long lineNumber, string field, string reason) => Rejects.Add((lineNumber, field, reason));

    public override void ReportBytesRead(long bytes) => BytesRead += bytes;

    public override void ReportTotalBytes(long bytes) => TotalBytes = bytes;

    public async Task ReadAsync(byte[] content, Dictionary<string, string?>? settings = null)
    {
        await File.WriteAllBytesAsync(Path, content);
        var factory = new DelimitedFileSourceFactory();
        var raw = new Dictionary<string, string?>(settings ?? []) { ["path"] = Path };
        await using var source = factory.Create(PluginSettings.Create(factory.Manifest, raw));
        await foreach (var batch in source.ReadAsync(this, TestContext.Current.CancellationToken))
        {
            for (var r = 0; r < batch.Count; r++)
            {
                var fields = new Dictionary<CanonicalField, string>();
                foreach (var f in Mapping.Fields.Keys)
                {
                    fields[f] = Encoding.UTF8.GetString(batch.GetField(r, (int)f));
                }

                Rows.Add((batch.GetLineNumber(r), fields));
            }
        }
    }

    public Task ReadAsync(string content, Dictionary<string, string?>? settings = null) => ReadAsync(Encoding.UTF8.GetBytes(content), settings);

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
