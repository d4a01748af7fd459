using System.Text;
using GrocerySync.Plugins.Abstractions;

namespace GrocerySync.Plugins.Feeds;

/// <summary>The <c>json-lines</c> adapter: one JSON object per record; deletions as <c>{"sku":…,"deleted":true}</c>.</summary>
public sealed class JsonLinesAdapterFactory : IAdapterFactory
{
    /// <summary>Plugin id.</summary>
    public const string Id = "json-lines";

    /// <inheritdoc />
    public PluginManifest Manifest { get; } = new(
        Id,
        PluginKind.Adapter,
        SemanticVersion.Parse("1.0.0"),
        SemanticVersion.Parse("1.0.0"),
        "JSON Lines",
        "One JSON object per line with the canonical field names (empty fields left out) and an attributes object.");

    /// <inheritdoc />
    public IAdapter Create(PluginSettings settings) => new JsonLinesAdapter();
}

internal sealed class JsonLinesAdapter : IAdapter
{
    private static readonly byte[][] Names = [.. CanonicalFields.All.Select(f => Encoding.UTF8.GetBytes($"\"{CanonicalFields.GetName(f)}\":"))];

    public string ContentType => "application/jsonl";

    public string FileExtension => "jsonl";

    public void WriteHeader(OutputBuffer output)
    {
    }

    public bool WriteRecord(GroceryRecord record, OutputBuffer o, out string? reason)
    {
        reason = null;
        o.WriteByte((byte)'{');
        var first = true;
        foreach (var f in CanonicalFields.All)
        {
            var mark = o.WrittenCount;
            if (!first)
            {
                o.WriteByte((byte)',');
            }

            o.Write(Names[(int)f]);
            bool wrote;
            if (CanonicalWriter.TryGetText(record, f, out var text))
            {
                wrote = !text.IsEmpty;
                if (wrote)
                {
                    o.WriteJsonString(text);
                }
            }
            else
            {
                wrote = CanonicalWriter.WriteTyped(record, f, o, quoteDates: true);
            }

            if (wrote)
            {
                first = false;
            }
            else
            {
                o.Truncate(mark);
            }
        }

        if (record.AttributeCount > 0)
        {
            o.Write(",\"attributes\":{"u8);
            for (var i = 0; i < record.AttributeCount; i++)
            {
                if (i > 0)
                {
                    o.WriteByte((byte)',');
                }

                o.WriteJsonString(Encoding.UTF8.GetBytes(record.GetAttributeName(i)));
                o.WriteByte((byte)':');
                o.WriteJsonString(record.GetAttributeValue(i));
            }

            o.WriteByte((byte)'}');
        }

        o.Write("}\n"u8);
        return true;
    }

    public void WriteDeletion(ReadOnlySpan<byte> key, OutputBuffer o)
    {
        var sku = FeedText.KeySku(key);
        var store = FeedText.KeyStore(key);
        o.Write("{\"sku\":"u8);
        o.WriteJsonString(sku);
        if (!store.IsEmpty)
        {
            o.Write(",\"storeId\":"u8);
            o.WriteJsonString(store);
        }

        o.Write(",\"deleted\":true}\n"u8);
    }

    public void WriteFooter(OutputBuffer output)
    {
    }
}
