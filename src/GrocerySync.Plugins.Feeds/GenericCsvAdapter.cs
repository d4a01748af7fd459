using System.Text;
using GrocerySync.Plugins.Abstractions;

namespace GrocerySync.Plugins.Feeds;

/// <summary>The <c>generic-csv</c> adapter: every canonical field (normalised) and attribute as a delimited file.</summary>
public sealed class GenericCsvAdapterFactory : IAdapterFactory
{
    /// <summary>Plugin id.</summary>
    public const string Id = "generic-csv";

    /// <inheritdoc />
    public PluginManifest Manifest { get; } = new(
        Id,
        PluginKind.Adapter,
        SemanticVersion.Parse("1.0.0"),
        SemanticVersion.Parse("1.0.0"),
        "Generic CSV",
        "All canonical fields, normalised (GTIN-14, ISO dates, invariant numbers), plus attributes; deletions as rows with deleted=true.")
    {
        Settings =
        [
            new("delimiter", PluginSettingType.Choice, "Field separator.") { DefaultValue = ",", AllowedValues = [",", ";", "\t", "tab"] },
            new("attributes", PluginSettingType.Text, "Comma-separated attribute names to add as columns, in order.") { },
        ],
    };

    /// <inheritdoc />
    public IAdapter Create(PluginSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var d = settings.GetString("delimiter", ",") is "tab" or "\t" ? (byte)'\t' : (byte)settings.GetString("delimiter", ",")[0];
        var attributes = settings.GetString("attributes").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return new GenericCsvAdapter(d, attributes);
    }
}

internal sealed class GenericCsvAdapter(byte delimiter, string[] attributes) : IAdapter
{
    private int[]? _attributeIndex;

    public string ContentType => delimiter == (byte)'\t' ? "text/tab-separated-values" : "text/csv";

    public string FileExtension => delimiter == (byte)'\t' ? "tsv" : "csv";

    public void WriteHeader(OutputBuffer output)
    {
        foreach (var f in CanonicalFields.All)
        {
            output.WriteCsvField(Encoding.UTF8.GetBytes(CanonicalFields.GetName(f)), delimiter);
            output.WriteByte(delimiter);
        }

        foreach (var a in attributes)
        {
            output.WriteCsvField(Encoding.UTF8.GetBytes(a), delimiter);
            output.WriteByte(delimiter);
        }

        output.Write("deleted\n"u8);
    }

    public bool WriteRecord(GroceryRecord record, OutputBuffer o, out string? reason)
    {
        reason = null;
        foreach (var f in CanonicalFields.All)
        {
            if (CanonicalWriter.TryGetText(record, f, out var text))
            {
                o.WriteCsvField(text, delimiter);
            }
            else
            {
                CanonicalWriter.WriteTyped(record, f, o, quoteDates: false);
            }

            o.WriteByte(delimiter);
        }

        _attributeIndex ??= [.. attributes.Select(a => Enumerable.Range(0, record.AttributeCount).FirstOrDefault(i => record.GetAttributeName(i) == a, -1))];
        foreach (var i in _attributeIndex)
        {
            if (i >= 0)
            {
                o.WriteCsvField(record.GetAttributeValue(i), delimiter);
            }

            o.WriteByte(delimiter);
        }

        o.Write("false\n"u8);
        return true;
    }

    public void WriteDeletion(ReadOnlySpan<byte> key, OutputBuffer o)
    {
        var sku = FeedText.KeySku(key);
        var store = FeedText.KeyStore(key);
        foreach (var f in CanonicalFields.All)
        {
            if (f == CanonicalField.Sku)
            {
                o.WriteCsvField(sku, delimiter);
            }
            else if (f == CanonicalField.StoreId)
            {
                o.WriteCsvField(store, delimiter);
            }

            o.WriteByte(delimiter);
        }

        for (var i = 0; i < attributes.Length; i++)
        {
            o.WriteByte(delimiter);
        }

        o.Write("true\n"u8);
    }

    public void WriteFooter(OutputBuffer output)
    {
    }
}
