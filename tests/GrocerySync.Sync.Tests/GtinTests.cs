using System.Text;

namespace GrocerySync.Sync.Tests;

public sealed class GtinTests
{
    private static (bool Ok, string Gtin14, bool Variable, string? Error) Normalize(string input)
    {
        var g = new byte[14];
        var ok = Gtin.TryNormalize(Encoding.ASCII.GetBytes(input), g, out var variable, out var error);
        return (ok, ok ? Encoding.ASCII.GetString(g) : string.Empty, variable, error);
    }

    [Theory]
    [InlineData("036000291452", "00036000291452")]     // UPC-A
    [InlineData("4006381333931", "04006381333931")]    // EAN-13
    [InlineData("96385074", "00000096385074")]         // EAN-8
    [InlineData("10036000291459", "10036000291459")]   // GTIN-14 (case)
    [InlineData("04252614", "00042100005264")]         // UPC-E (last digit 4 rule)
    [InlineData("06543217", "00065100004327")]         // UPC-E (last digit 0-2 rule)
    [InlineData("01234565", "00000001234565")]         // valid as EAN-8 and as UPC-E: read as EAN-8 (documented)
    [InlineData("425261", "00042100005264")]           // 6-digit UPC-E, number system 0, check computed
    public void Valid_codes_normalise_to_GTIN_14(string input, string expected)
    {
        var r = Normalize(input);
        Assert.True(r.Ok, r.Error);
        Assert.Equal(expected, r.Gtin14);
    }

    [Theory]
    [InlineData("036000291453", "check digit is 3, expected 2")]
    [InlineData("4006381333932", "check digit")]
    [InlineData("12345", "has 5 digits")]
    [InlineData("03600029145X", "digits only")]
    [InlineData("00000001", "neither EAN-8 nor UPC-E")]
    [InlineData("00000000", "all zeros")]
    [InlineData("000000000000", "all zeros")]
    public void Invalid_codes_are_rejected_with_a_reason(string input, string reason)
    {
        var r = Normalize(input);
        Assert.False(r.Ok);
        Assert.Contains(reason, r.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("2123456000008", true)]   // EAN-13 prefix 21: in-store weighed item
    [InlineData("212345600000", true)]    // UPC-A number system 2
    [InlineData("4006381333931", false)]
    public void In_store_variable_measure_codes_are_kept_and_flagged(string input, bool variable)
    {
        var body = input[..^1];
        input = body + (char)Gtin.CheckDigit(Encoding.ASCII.GetBytes(body));
        var r = Normalize(input);
        Assert.True(r.Ok, r.Error);
        Assert.Equal(variable, r.Variable);
    }
}
