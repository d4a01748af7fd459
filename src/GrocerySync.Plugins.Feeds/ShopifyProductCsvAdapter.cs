using System.Text;
using GrocerySync.Plugins.Abstractions;

namespace GrocerySync.Plugins.Feeds;

/// <summary>The <c>shopify-csv</c> adapter: Shopify's product import CSV, one single-variant product per record.</summary>
public sealed class ShopifyProductCsvAdapterFactory : IAdapterFactory
{
    /// <summary>Plugin id.</summary>
    public const string Id = "shopify-csv";

    /// <inheritdoc />
    public PluginManifest Manifest { get; } = new(
        Id,
        PluginKind.Adapter,
        SemanticVersion.Parse("1.0.0"),
        SemanticVersion.Parse("1.0.0"),
        "Shopify product CSV",
        "Shopify's product import CSV: handle from the SKU, price and compare-at price for sales, inventory, barcode, image and status; removed items are archived.")
    {
        Settings =
        [
            new("taxExemptClasses", PluginSettingType.Text, "Comma-separated tax classes that are not taxable.") { DefaultValue = "exempt,zero,0" },
        ],
    };

    /// <inheritdoc />
    public IAdapter Create(PluginSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var exempt = settings.GetString("taxExemptClasses").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return new ShopifyProductCsvAdapter([.. exempt.Select(Encoding.UTF8.GetBytes)]);
    }
}

internal sealed class ShopifyProductCsvAdapter(byte[][] taxExempt) : IAdapter
{
    private const int Columns = 23;
    private static readonly byte[] Header = "Handle,Title,Body (HTML),Vendor,Product Category,Type,Tags,Published,Option1 Name,Option1 Value,Variant SKU,Variant Grams,Variant Inventory Tracker,Variant Inventory Qty,Variant Inventory Policy,Variant Fulfillment Service,Variant Price,Variant Compare At Price,Variant Requires Shipping,Variant Taxable,Variant Barcode,Image Src,Status\n"u8.ToArray();
    private readonly byte[] _scratch = new byte[1024];

    public string ContentType => "text/csv";

    public string FileExtension => "csv";

    public void WriteHeader(OutputBuffer output) => output.Write(Header);

    public bool WriteRecord(GroceryRecord r, OutputBuffer o, out string? reason)
    {
        reason = null;
        WriteHandle(o, r.Sku);
        o.WriteByte((byte)',');
        FeedText.WriteTitle(r, _scratch, out var titleLength, 255);
        o.WriteCsvField(_scratch.AsSpan(0, titleLength));
        o.WriteByte((byte)',');
        WriteHtml(o, r.Description);
        o.WriteByte((byte)',');
        o.WriteCsvField(r.Brand);
        o.WriteByte((byte)',');
        o.WriteByte((byte)',');                 // Product Category: Shopify's own taxonomy, not ours
        o.WriteCsvField(r.Department);
        o.WriteByte((byte)',');
        WriteTags(o, r.Category);
        o.WriteByte((byte)',');
        o.Write(r.IsActive ? "TRUE"u8 : "FALSE"u8);
        o.Write(",Title,Default Title,"u8);
        o.WriteCsvField(r.Sku);
        o.Write(",0,"u8);
        if (r.QuantityOnHand is { } qty)
        {
            o.Write("shopify,"u8);
            o.WriteDecimal(decimal.Floor(qty), 0);
        }
        else
        {
            o.WriteByte((byte)',');
        }

        o.Write(",deny,manual,"u8);
        if (r.SalePrice is { } sale && sale < r.RegularPrice)
        {
            o.WriteDecimal(sale, 2);
            o.WriteByte((byte)',');
            o.WriteDecimal(r.RegularPrice, 2);
        }
        else
        {
            o.WriteDecimal(r.RegularPrice, 2);
            o.WriteByte((byte)',');
        }

        o.Write(",TRUE,"u8);
        o.Write(IsTaxable(r.TaxClass) ? "TRUE"u8 : "FALSE"u8);
        o.WriteByte((byte)',');
        if (r.HasGtin && !r.IsVariableMeasureGtin)
        {
            o.Write(FeedText.ShortGtin(r.Gtin));
        }

        o.WriteByte((byte)',');
        o.WriteCsvField(r.ImageUrl);
        o.WriteByte((byte)',');
        o.Write(r.IsActive ? "active"u8 : "draft"u8);
        o.WriteByte((byte)'\n');
        return true;
    }

    public void WriteDeletion(ReadOnlySpan<byte> key, OutputBuffer o)
    {
        var sku = FeedText.KeySku(key);
        WriteHandle(o, sku);
        for (var i = 1; i < Columns - 1; i++)
        {
            o.WriteByte((byte)',');
        }

        o.Write(",archived\n"u8);
    }

    public void WriteFooter(OutputBuffer output)
    {
    }

    private bool IsTaxable(ReadOnlySpan<byte> taxClass)
    {
        foreach (var e in taxExempt)
        {
            if (Ascii.EqualsIgnoreCase(taxClass, e))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Shopify handles are lower-case letters, digits and hyphens.</summary>
    private static void WriteHandle(OutputBuffer o, ReadOnlySpan<byte> sku)
    {
        var dash = false;
        foreach (var b in sku)
        {
            if (char.IsAsciiLetterOrDigit((char)b))
            {
                o.WriteByte((byte)char.ToLowerInvariant((char)b));
                dash = false;
            }
            else if (!dash)
            {
                o.WriteByte((byte)'-');
                dash = true;
            }
        }
    }

    private static void WriteTags(OutputBuffer o, ReadOnlySpan<byte> category)
    {
        Span<byte> buffer = stackalloc byte[Math.Min(category.Length, 512)];
        category[..buffer.Length].CopyTo(buffer);
        buffer.Replace((byte)'/', (byte)',');
        o.WriteCsvField(buffer);
    }

    private static void WriteHtml(OutputBuffer o, ReadOnlySpan<byte> text)
    {
        if (text.IsEmpty)
        {
            return;
        }

        var sb = new StringBuilder("<p>").Append(System.Net.WebUtility.HtmlEncode(Encoding.UTF8.GetString(text))).Append("</p>");
        o.WriteCsvField(Encoding.UTF8.GetBytes(sb.ToString()));
    }
}
