using GrocerySync.Plugins.Abstractions;

namespace GrocerySync.Sync.Tests;

public sealed class RecordNormalizerTests
{
    private static (bool Ok, GroceryRecord Record, string Field, string? Reason) Run(Action<SourceBatch, int> fill, string currency = "USD")
    {
        var batch = new SourceBatch(CanonicalFields.Count);
        var row = batch.AddRow(7);
        batch.SetField(row, CanonicalField.Sku, "A1");
        batch.SetField(row, CanonicalField.Name, "Milk");
        batch.SetField(row, CanonicalField.RegularPrice, "2.50");
        fill(batch, row);
        var record = new GroceryRecord();
        record.Bind(batch, row, []);
        var ok = new RecordNormalizer(currency).TryNormalize(record, out var field, out var reason);
        return (ok, record, CanonicalFields.GetName(field), reason);
    }

    [Fact]
    public void A_good_record_gets_typed_values_and_the_default_currency()
    {
        var r = Run((b, i) =>
        {
            b.SetField(i, CanonicalField.Gtin, "036000291452");
            b.SetField(i, CanonicalField.SalePrice, "1.99");
            b.SetField(i, CanonicalField.SaleStart, "2026-11-20");
            b.SetField(i, CanonicalField.SaleEnd, "2026-11-27");
            b.SetField(i, CanonicalField.QuantityOnHand, " 12.5 ");
            b.SetField(i, CanonicalField.Active, "N");
        }, currency: "eur");

        Assert.True(r.Ok, r.Reason);
        Assert.Equal(2.50m, r.Record.RegularPrice);
        Assert.Equal(1.99m, r.Record.SalePrice);
        Assert.Equal(new DateOnly(2026, 11, 20), r.Record.SaleStart);
        Assert.Equal(12.5m, r.Record.QuantityOnHand);
        Assert.False(r.Record.IsActive);
        Assert.Equal("EUR"u8.ToArray(), r.Record.Currency.ToArray());
        Assert.Equal("00036000291452"u8.ToArray(), r.Record.Gtin.ToArray());
    }

    [Theory]
    [InlineData(CanonicalField.RegularPrice, "-1.00", "regularPrice", "negative")]
    [InlineData(CanonicalField.RegularPrice, "abc", "regularPrice", "not a number")]
    [InlineData(CanonicalField.SalePrice, "3.00", "salePrice", "above the regular price")]
    [InlineData(CanonicalField.SalePrice, "-0.5", "salePrice", "negative")]
    [InlineData(CanonicalField.QuantityOnHand, "-3", "quantityOnHand", "negative")]
    [InlineData(CanonicalField.Gtin, "036000291453", "gtin", "check digit")]
    [InlineData(CanonicalField.Plu, "12", "plu", "not a PLU")]
    [InlineData(CanonicalField.Currency, "US", "currency", "ISO 4217")]
    [InlineData(CanonicalField.Active, "maybe", "active", "not a flag")]
    [InlineData(CanonicalField.ImageUrl, "ftp://x/y.jpg", "imageUrl", "http(s) URL")]
    [InlineData(CanonicalField.SaleStart, "2026-13-01", "saleStart", "not a date")]
    [InlineData(CanonicalField.Sku, "", "sku", "required")]
    [InlineData(CanonicalField.Name, "", "name", "required")]
    public void Bad_values_are_rejected_naming_the_field_and_reason(CanonicalField field, string value, string expectedField, string reason)
    {
        var r = Run((b, i) => b.SetField(i, field, value));
        Assert.False(r.Ok);
        Assert.Equal(expectedField, r.Field);
        Assert.Contains(reason, r.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Sale_dates_must_be_in_order()
    {
        var r = Run((b, i) =>
        {
            b.SetField(i, CanonicalField.SaleStart, "2026-11-27");
            b.SetField(i, CanonicalField.SaleEnd, "2026-11-20");
        });
        Assert.False(r.Ok);
        Assert.Equal("saleEnd", r.Field);
        Assert.Contains("before the sale start", r.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_PLU_marks_a_weighed_item()
    {
        var r = Run((b, i) => b.SetField(i, CanonicalField.Plu, "94011"));
        Assert.True(r.Ok, r.Reason);
        Assert.True(r.Record.IsWeighed);
    }

    [Theory]
    [InlineData("12.5", 12.5)]
    [InlineData("0", 0)]
    [InlineData("1234567.891", 1234567.891)]
    [InlineData("1e3", 1000)]
    public void Decimals_parse_fast_and_exactly(string text, double expected) =>
        Assert.True(RecordNormalizer.TryParseDecimal(System.Text.Encoding.ASCII.GetBytes(text), out var v) && v == (decimal)expected);
}
