using System.Text;
using GrocerySync.Plugins.Abstractions;
using GrocerySync.Sync;

namespace GrocerySync.Plugins.Feeds.Tests;

/// <summary>Builds a validated record the way the engine does: raw fields, then the normaliser.</summary>
internal sealed class RecordBuilder
{
    private readonly Dictionary<CanonicalField, string> _fields = new()
    {
        [CanonicalField.Sku] = "SKU-001",
        [CanonicalField.Gtin] = "036000291452",
        [CanonicalField.Name] = "Whole Milk",
        [CanonicalField.Brand] = "Happy Cow",
        [CanonicalField.Size] = "1",
        [CanonicalField.Unit] = "l",
        [CanonicalField.Department] = "Dairy",
        [CanonicalField.Category] = "Dairy/Milk",
        [CanonicalField.RegularPrice] = "1.5",
        [CanonicalField.QuantityOnHand] = "12",
        [CanonicalField.ImageUrl] = "https://img.example.com/1.jpg",
    };

    private readonly List<KeyValuePair<string, string>> _attributes = [];

    public RecordBuilder With(CanonicalField field, string value)
    {
        _fields[field] = value;
        return this;
    }

    public RecordBuilder Attribute(string name, string value)
    {
        _attributes.Add(new(name, value));
        return this;
    }

    public GroceryRecord Build()
    {
        var batch = new SourceBatch(CanonicalFields.Count + _attributes.Count);
        var row = batch.AddRow(2);
        foreach (var (f, v) in _fields)
        {
            batch.SetField(row, f, v);
        }

        for (var i = 0; i < _attributes.Count; i++)
        {
            batch.SetField(row, CanonicalFields.Count + i, _attributes[i].Value.AsSpan());
        }

        var record = new GroceryRecord();
        record.Bind(batch, row, [.. _attributes.Select(a => a.Key)]);
        Assert.True(new RecordNormalizer("USD").TryNormalize(record, out var field, out var reason), $"{field}: {reason}");
        return record;
    }

    public static string Write(IAdapter adapter, params GroceryRecord[] records)
    {
        var o = new OutputBuffer();
        adapter.WriteHeader(o);
        foreach (var r in records)
        {
            Assert.True(adapter.WriteRecord(r, o, out var why), why);
        }

        adapter.WriteFooter(o);
        return Encoding.UTF8.GetString(o.WrittenSpan);
    }

    public static IAdapter Adapter(IAdapterFactory factory, Dictionary<string, string?>? settings = null) =>
        factory.Create(PluginSettings.Create(factory.Manifest, settings));
}
