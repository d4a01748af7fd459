using System.Text;
using System.Text.Json;
using GrocerySync.Plugins.Abstractions;

namespace GrocerySync.Plugins.Feeds.Tests;

public sealed class GoogleMerchantAdapterTests
{
    [Fact]
    public void A_record_without_a_brand_gets_the_default_brand_and_keeps_its_own_otherwise()
    {
        var adapter = RecordBuilder.Adapter(new GoogleMerchantAdapterFactory(), new() { ["linkTemplate"] = "https://shop.example.com/p/{sku}", ["defaultBrand"] = " Corner Market " });
        string Brand(string text)
        {
            var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            return lines[1].Split('\t')[Array.IndexOf(lines[0].Split('\t'), "brand")];
        }

        Assert.Equal("Corner Market", Brand(RecordBuilder.Write(adapter, new RecordBuilder().With(CanonicalField.Brand, "").Build())));
        Assert.Equal("Happy Cow", Brand(RecordBuilder.Write(adapter, new RecordBuilder().With(CanonicalField.Brand, "Happy Cow").Build())));
        var plain = RecordBuilder.Adapter(new GoogleMerchantAdapterFactory(), new() { ["linkTemplate"] = "https://shop.example.com/p/{sku}" });
        Assert.Equal("", Brand(RecordBuilder.Write(plain, new RecordBuilder().With(CanonicalField.Brand, "").Build())));
    }

    [Fact]
    public void Writes_the_required_attributes_as_TSV()
    {
        var record = new RecordBuilder()
            .With(CanonicalField.SalePrice, "1.2")
            .With(CanonicalField.SaleStart, "2026-11-20")
            .With(CanonicalField.SaleEnd, "2026-11-27")
            .With(CanonicalField.Name, "Milk\twith tab")
            .Build();
        var text = RecordBuilder.Write(RecordBuilder.Adapter(new GoogleMerchantAdapterFactory(), new() { ["linkTemplate"] = "https://shop.example.com/p/{sku}" }), record);
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var header = lines[0].Split('\t');
        var row = lines[1].Split('\t');
        string Col(string name) => row[Array.IndexOf(header, name)];

        Assert.Equal(header.Length, row.Length);
        foreach (var required in new[] { "id", "title", "link", "image_link", "availability", "price", "brand", "gtin", "condition", "sale_price", "sale_price_effective_date" })
        {
            Assert.Contains(required, header);
        }

        Assert.Equal("SKU-001", Col("id"));
        Assert.Equal("Milk with tab 1 l", Col("title"));
        Assert.Equal("https://shop.example.com/p/SKU-001", Col("link"));
        Assert.Equal("in_stock", Col("availability"));
        Assert.Equal("1.50 USD", Col("price"));
        Assert.Equal("1.20 USD", Col("sale_price"));
        Assert.Equal("2026-11-20T00:00+0000/2026-11-27T23:59+0000", Col("sale_price_effective_date"));
        Assert.Equal("00036000291452", Col("gtin"));
        Assert.Equal("new", Col("condition"));
        Assert.Equal("Dairy > Milk", Col("product_type"));
    }

    [Fact]
    public void Out_of_stock_and_in_store_codes_are_expressed()
    {
        var record = new RecordBuilder().With(CanonicalField.QuantityOnHand, "0").With(CanonicalField.Gtin, "2123456000009").Build();
        var row = RecordBuilder.Write(RecordBuilder.Adapter(new GoogleMerchantAdapterFactory()), record).Split('\n')[1].Split('\t');
        Assert.Contains("out_of_stock", row);
        Assert.Contains("no", row); // identifier_exists: an in-store code is not a GTIN for Google
        Assert.DoesNotContain("02123456000009", row);
    }

    [Fact]
    public void A_record_without_link_or_image_is_refused()
    {
        var record = new RecordBuilder().With(CanonicalField.ImageUrl, string.Empty).Build();
        var adapter = RecordBuilder.Adapter(new GoogleMerchantAdapterFactory());
        Assert.False(adapter.WriteRecord(record, new OutputBuffer(), out var reason));
        Assert.Contains("link", reason, StringComparison.Ordinal);
    }
}

public sealed class GenericCsvAdapterTests
{
    [Fact]
    public void Writes_normalised_fields_quoted_where_needed_and_deletions()
    {
        var adapter = RecordBuilder.Adapter(new GenericCsvAdapterFactory(), new() { ["attributes"] = "origin" });
        var o = new OutputBuffer();
        adapter.WriteHeader(o);
        adapter.WriteRecord(new RecordBuilder().With(CanonicalField.Name, "Milk, \"fresh\"").Attribute("origin", "NL").Build(), o, out _);
        adapter.WriteDeletion("SKU-9"u8, o);
        var lines = Encoding.UTF8.GetString(o.WrittenSpan).Split('\n', StringSplitOptions.RemoveEmptyEntries);

        Assert.StartsWith("sku,gtin,plu,name,", lines[0], StringComparison.Ordinal);
        Assert.EndsWith(",origin,deleted", lines[0], StringComparison.Ordinal);
        Assert.StartsWith("SKU-001,00036000291452,,\"Milk, \"\"fresh\"\"\",Happy Cow,", lines[1], StringComparison.Ordinal);
        Assert.Contains(",1.5,", lines[1], StringComparison.Ordinal);
        Assert.EndsWith(",NL,false", lines[1], StringComparison.Ordinal);
        Assert.StartsWith("SKU-9,", lines[2], StringComparison.Ordinal);
        Assert.EndsWith(",true", lines[2], StringComparison.Ordinal);
        Assert.Equal(lines[0].Count(c => c == ','), lines[2].Count(c => c == ','));
    }
}

public sealed class JsonLinesAdapterTests
{
    [Fact]
    public void Writes_one_valid_json_object_per_line_and_deletions()
    {
        var adapter = RecordBuilder.Adapter(new JsonLinesAdapterFactory());
        var o = new OutputBuffer();
        adapter.WriteRecord(new RecordBuilder().With(CanonicalField.Name, "Tea \"Earl\"\n\\ grey").With(CanonicalField.SaleStart, "2026-11-20").Attribute("origin", "LK").Build(), o, out _);
        adapter.WriteDeletion("SKU-2\u001fS001"u8, o);
        var lines = Encoding.UTF8.GetString(o.WrittenSpan).Split('\n', StringSplitOptions.RemoveEmptyEntries);

        using var doc = JsonDocument.Parse(lines[0]);
        var r = doc.RootElement;
        Assert.Equal("Tea \"Earl\"\n\\ grey", r.GetProperty("name").GetString());
        Assert.Equal(1.5m, r.GetProperty("regularPrice").GetDecimal());
        Assert.Equal("2026-11-20", r.GetProperty("saleStart").GetString());
        Assert.Equal("00036000291452", r.GetProperty("gtin").GetString());
        Assert.True(r.GetProperty("active").GetBoolean());
        Assert.Equal("LK", r.GetProperty("attributes").GetProperty("origin").GetString());
        Assert.False(r.TryGetProperty("plu", out _));
        Assert.Equal("{\"sku\":\"SKU-2\",\"storeId\":\"S001\",\"deleted\":true}", lines[1]);
    }
}

public sealed class ShopifyProductCsvAdapterTests
{
    [Fact]
    public void Writes_a_single_variant_product_with_compare_at_price_for_a_sale()
    {
        var text = RecordBuilder.Write(
            RecordBuilder.Adapter(new ShopifyProductCsvAdapterFactory()),
            new RecordBuilder().With(CanonicalField.Category, "Dairy").With(CanonicalField.Sku, "AB 12/x").With(CanonicalField.SalePrice, "1.25").With(CanonicalField.TaxClass, "exempt").Build());
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var header = lines[0].Split(',');
        var row = lines[1].Split(',');
        string Col(string name) => row[Array.IndexOf(header, name)];

        Assert.Equal(header.Length, row.Length);
        Assert.Equal("ab-12-x", Col("Handle"));
        Assert.Equal("AB 12/x", Col("Variant SKU"));
        Assert.Equal("1.25", Col("Variant Price"));
        Assert.Equal("1.50", Col("Variant Compare At Price"));
        Assert.Equal("12", Col("Variant Inventory Qty"));
        Assert.Equal("FALSE", Col("Variant Taxable"));
        Assert.Equal("036000291452", Col("Variant Barcode"));
        Assert.Equal("active", Col("Status"));
    }

    [Fact]
    public void A_removed_item_is_archived()
    {
        var adapter = RecordBuilder.Adapter(new ShopifyProductCsvAdapterFactory());
        var o = new OutputBuffer();
        adapter.WriteDeletion("SKU-7"u8, o);
        var row = Encoding.UTF8.GetString(o.WrittenSpan).TrimEnd('\n').Split(',');
        Assert.Equal(23, row.Length);
        Assert.Equal("sku-7", row[0]);
        Assert.Equal("archived", row[^1]);
    }
}

public sealed class OutputBufferTests
{
    [Theory]
    [InlineData("12.5", 2, "12.50")]
    [InlineData("0", 2, "0.00")]
    [InlineData("1.005", 2, "1.01")]
    [InlineData("-3.2", 2, "-3.20")]
    [InlineData("123456789012345678.9", 2, "123456789012345678.90")]
    public void Decimals_are_written_with_fixed_digits(string value, int digits, string expected)
    {
        var o = new OutputBuffer();
        o.WriteDecimal(decimal.Parse(value, System.Globalization.CultureInfo.InvariantCulture), digits);
        Assert.Equal(expected, Encoding.ASCII.GetString(o.WrittenSpan));
    }
}
