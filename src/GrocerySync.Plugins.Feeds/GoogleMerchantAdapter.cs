using System.Runtime.CompilerServices;
using System.Text;
using GrocerySync.Plugins.Abstractions;

namespace GrocerySync.Plugins.Feeds;

/// <summary>The <c>google-merchant</c> adapter: a Google Merchant Center product feed as tab-separated text.</summary>
public sealed class GoogleMerchantAdapterFactory : IAdapterFactory
{
    /// <summary>Plugin id.</summary>
    public const string Id = "google-merchant";

    /// <inheritdoc />
    public PluginManifest Manifest { get; } = new(
        Id,
        PluginKind.Adapter,
        SemanticVersion.Parse("1.0.0"),
        SemanticVersion.Parse("1.0.0"),
        "Google Merchant Center feed",
        "Tab-separated product feed with id, title, description, link, image link, availability, price, sale price and its effective dates, brand, GTIN and condition.")
    {
        Settings =
        [
            new("linkTemplate", PluginSettingType.Text, "Product page URL when the record has none; {sku} is replaced by the URL-encoded SKU.") { },
            new("utcOffset", PluginSettingType.Text, "Time zone offset of sale dates, e.g. +0100.") { DefaultValue = "+0000" },
            new("condition", PluginSettingType.Choice, "Condition of every item.") { DefaultValue = "new", AllowedValues = ["new", "refurbished", "used"] },
            new("defaultBrand", PluginSettingType.Text, "Brand of records without one (the store's own label, for example); Merchant Center expects a brand for every product with a GTIN."),
        ],
    };

    /// <inheritdoc />
    public IAdapter Create(PluginSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var offset = settings.GetString("utcOffset", "+0000");
        if (offset.Length != 5 || offset[0] is not ('+' or '-') || offset.AsSpan(1).ContainsAnyExceptInRange('0', '9'))
        {
            throw new PluginException($"utcOffset '{offset}' must look like +0100 or -0500.");
        }

        var template = settings.GetString("linkTemplate");
        if (template.Length > 0 && !(template.StartsWith("https://", StringComparison.OrdinalIgnoreCase) || template.StartsWith("http://", StringComparison.OrdinalIgnoreCase)))
        {
            throw new PluginException($"linkTemplate '{template}' must be an http(s) URL.");
        }

        return new GoogleMerchantAdapter(template, offset, settings.GetString("condition", "new"), settings.GetString("defaultBrand").Trim());
    }
}

internal sealed class GoogleMerchantAdapter : IAdapter
{
    private static readonly byte[] Header = "id\ttitle\tdescription\tlink\timage_link\tavailability\tprice\tsale_price\tsale_price_effective_date\tbrand\tgtin\tidentifier_exists\tcondition\tproduct_type\n"u8.ToArray();

    private readonly byte[] _linkPrefix;
    private readonly byte[] _linkSuffix;
    private readonly bool _hasTemplate;
    private readonly byte[] _startSuffix;
    private readonly byte[] _endSuffix;
    private readonly byte[] _condition;
    private readonly byte[] _scratch = new byte[1024];
    private readonly byte[] _defaultBrand;

    public GoogleMerchantAdapter(string linkTemplate, string utcOffset, string condition, string defaultBrand)
    {
        _defaultBrand = Encoding.UTF8.GetBytes(defaultBrand);
        var i = linkTemplate.IndexOf("{sku}", StringComparison.OrdinalIgnoreCase);
        _hasTemplate = linkTemplate.Length > 0;
        _linkPrefix = Encoding.UTF8.GetBytes(i < 0 ? linkTemplate : linkTemplate[..i]);
        _linkSuffix = Encoding.UTF8.GetBytes(i < 0 ? string.Empty : linkTemplate[(i + 5)..]);
        _startSuffix = Encoding.ASCII.GetBytes("T00:00" + utcOffset);
        _endSuffix = Encoding.ASCII.GetBytes("T23:59" + utcOffset);
        _condition = Encoding.ASCII.GetBytes(condition);
    }

    public string ContentType => "text/tab-separated-values";

    public string FileExtension => "tsv";

    public void WriteHeader(OutputBuffer output) => output.Write(Header);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool WriteRecord(GroceryRecord record, OutputBuffer o, out string? reason)
    {
        var link = record.ProductUrl;
        var image = record.ImageUrl;
        if (link.IsEmpty && !_hasTemplate && image.IsEmpty)
        {
            reason = "Google Merchant Center needs a link or an image link (map productUrl or imageUrl, or set linkTemplate)";
            return false;
        }

        reason = null;
        o.WriteTsvField(record.Sku);
        o.WriteByte((byte)'\t');
        FeedText.WriteTitle(record, _scratch, out var titleLength, 150);
        var title = _scratch.AsSpan(0, titleLength);
        o.WriteTsvField(title);
        o.WriteByte((byte)'\t');
        var description = record.Description;
        o.WriteTsvField(description[..FeedText.CutToChars(description, 5000)]);
        o.WriteByte((byte)'\t');
        if (!link.IsEmpty)
        {
            o.WriteTsvField(link);
        }
        else if (_hasTemplate)
        {
            o.Write(_linkPrefix);
            WriteUrlEncoded(o, record.Sku);
            o.Write(_linkSuffix);
        }

        o.WriteByte((byte)'\t');
        o.WriteTsvField(image);
        o.WriteByte((byte)'\t');
        o.Write(record.QuantityOnHand is { } q && q <= 0 ? "out_of_stock"u8 : "in_stock"u8);
        o.WriteByte((byte)'\t');
        o.WriteDecimal(record.RegularPrice, 2);
        o.WriteByte((byte)' ');
        o.Write(record.Currency);
        o.WriteByte((byte)'\t');
        if (record.SalePrice is { } sale)
        {
            o.WriteDecimal(sale, 2);
            o.WriteByte((byte)' ');
            o.Write(record.Currency);
            o.WriteByte((byte)'\t');
            if (record.SaleStart is { } start && record.SaleEnd is { } end)
            {
                o.WriteDate(start);
                o.Write(_startSuffix);
                o.WriteByte((byte)'/');
                o.WriteDate(end);
                o.Write(_endSuffix);
            }
        }
        else
        {
            o.WriteByte((byte)'\t');
        }

        o.WriteByte((byte)'\t');
        o.WriteTsvField(record.Brand.IsEmpty ? _defaultBrand : record.Brand);
        o.WriteByte((byte)'\t');
        var hasGtin = record.HasGtin && !record.IsVariableMeasureGtin;
        if (hasGtin)
        {
            o.Write(record.Gtin);
        }

        o.WriteByte((byte)'\t');
        o.Write(hasGtin ? "yes"u8 : "no"u8);
        o.WriteByte((byte)'\t');
        o.Write(_condition);
        o.WriteByte((byte)'\t');
        WriteProductType(o, record.Category);
        o.WriteByte((byte)'\n');
        return true;
    }

    public void WriteDeletion(ReadOnlySpan<byte> key, OutputBuffer output)
    {
        // A feed file cannot express a removal: a full run drops the item by leaving it out.
    }

    public void WriteFooter(OutputBuffer output)
    {
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void WriteProductType(OutputBuffer o, ReadOnlySpan<byte> category)
    {
        while (true)
        {
            var i = category.IndexOf((byte)'/');
            if (i < 0)
            {
                o.WriteTsvField(category);
                return;
            }

            o.WriteTsvField(category[..i]);
            o.Write(" > "u8);
            category = category[(i + 1)..];
        }
    }

    private static void WriteUrlEncoded(OutputBuffer o, ReadOnlySpan<byte> value)
    {
        foreach (var b in value)
        {
            if (char.IsAsciiLetterOrDigit((char)b) || b is (byte)'-' or (byte)'_' or (byte)'.' or (byte)'~')
            {
                o.WriteByte(b);
            }
            else
            {
                o.WriteByte((byte)'%');
                o.WriteByte((byte)"0123456789ABCDEF"[b >> 4]);
                o.WriteByte((byte)"0123456789ABCDEF"[b & 0xF]);
            }
        }
    }
}
