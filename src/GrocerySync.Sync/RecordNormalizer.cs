using System.Buffers.Text;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using GrocerySync.Plugins.Abstractions;

namespace GrocerySync.Sync;

/// <summary>
/// Validates and normalises a record bound to a source row: GTIN to GTIN-14, PLU, prices, sale window,
/// quantities, flags, URLs and currency. Rejects name the canonical field at fault and the reason.
/// </summary>
public sealed class RecordNormalizer
{
    /// <summary>Longest SKU accepted, in UTF-8 bytes (feed ids are limited to 50 characters; leave room).</summary>
    public const int MaxSkuBytes = 64;

    private readonly byte[] _defaultCurrency;

    /// <summary>Creates a normaliser.</summary>
    /// <param name="defaultCurrency">ISO 4217 code used when a record has no currency.</param>
    public RecordNormalizer(string defaultCurrency = "USD")
    {
        var code = Encoding.ASCII.GetBytes(defaultCurrency.Trim().ToUpperInvariant());
        if (code.Length != 3 || code.AsSpan().ContainsAnyExceptInRange((byte)'A', (byte)'Z'))
        {
            throw new PluginException($"Currency '{defaultCurrency}' is not an ISO 4217 code (three letters such as USD or EUR).");
        }

        _defaultCurrency = code;
    }

    /// <summary>Validates and fills the typed fields of <paramref name="r"/>.</summary>
    /// <returns><see langword="false"/> with the failing field and reason when the record is rejected.</returns>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool TryNormalize(GroceryRecord r, out CanonicalField field, out string? reason)
    {
        ArgumentNullException.ThrowIfNull(r);
        reason = null;

        field = CanonicalField.Sku;
        var sku = r.Sku;
        if (sku.IsEmpty)
        {
            reason = "is required";
            return false;
        }

        if (sku.Length > MaxSkuBytes)
        {
            reason = $"is longer than {MaxSkuBytes} bytes";
            return false;
        }

        if (sku.IndexOfAny((byte)'\r', (byte)'\n', (byte)'\t') >= 0)
        {
            reason = "contains a tab or line break";
            return false;
        }

        field = CanonicalField.Name;
        if (r.Name.IsEmpty)
        {
            reason = "is required";
            return false;
        }

        field = CanonicalField.Gtin;
        var gtin = r.GetText(CanonicalField.Gtin);
        if (!gtin.IsEmpty)
        {
            Span<byte> g = stackalloc byte[14];
            if (!Gtin.TryNormalize(gtin, g, out var variable, out var error))
            {
                reason = $"'{Show(gtin)}' {error}";
                return false;
            }

            r.SetGtin(g);
            r.IsVariableMeasureGtin = variable;
        }

        field = CanonicalField.Plu;
        var plu = r.Plu;
        if (!plu.IsEmpty && (plu.Length is < 4 or > 5 || plu.ContainsAnyExceptInRange((byte)'0', (byte)'9')))
        {
            reason = $"'{Show(plu)}' is not a PLU (4 or 5 digits)";
            return false;
        }

        field = CanonicalField.RegularPrice;
        var text = r.GetText(CanonicalField.RegularPrice);
        if (text.IsEmpty)
        {
            reason = "is required";
            return false;
        }

        if (!TryParseDecimal(text, out var price))
        {
            reason = $"'{Show(text)}' is not a number";
            return false;
        }

        if (price < 0)
        {
            reason = $"{price.ToString(CultureInfo.InvariantCulture)} is negative";
            return false;
        }

        r.RegularPrice = price;

        field = CanonicalField.SalePrice;
        text = r.GetText(CanonicalField.SalePrice);
        if (!text.IsEmpty)
        {
            if (!TryParseDecimal(text, out var sale))
            {
                reason = $"'{Show(text)}' is not a number";
                return false;
            }

            if (sale < 0)
            {
                reason = $"{sale.ToString(CultureInfo.InvariantCulture)} is negative";
                return false;
            }

            if (sale > price)
            {
                reason = $"{sale.ToString(CultureInfo.InvariantCulture)} is above the regular price {price.ToString(CultureInfo.InvariantCulture)}";
                return false;
            }

            r.SalePrice = sale;
        }

        field = CanonicalField.SaleStart;
        text = r.GetText(CanonicalField.SaleStart);
        if (!text.IsEmpty)
        {
            if (!TryParseDate(text, out var d))
            {
                reason = $"'{Show(text)}' is not a date (yyyy-MM-dd)";
                return false;
            }

            r.SaleStart = d;
        }

        field = CanonicalField.SaleEnd;
        text = r.GetText(CanonicalField.SaleEnd);
        if (!text.IsEmpty)
        {
            if (!TryParseDate(text, out var d))
            {
                reason = $"'{Show(text)}' is not a date (yyyy-MM-dd)";
                return false;
            }

            if (r.SaleStart is { } start && d < start)
            {
                reason = $"{d:yyyy-MM-dd} is before the sale start {start:yyyy-MM-dd}";
                return false;
            }

            r.SaleEnd = d;
        }

        field = CanonicalField.Currency;
        text = r.GetText(CanonicalField.Currency);
        if (text.IsEmpty)
        {
            r.SetCurrency(_defaultCurrency);
        }
        else
        {
            Span<byte> upper = stackalloc byte[3];
            if (text.Length != 3 || Ascii.ToUpper(text, upper, out _) != System.Buffers.OperationStatus.Done ||
                upper.ContainsAnyExceptInRange((byte)'A', (byte)'Z'))
            {
                reason = $"'{Show(text)}' is not an ISO 4217 code";
                return false;
            }

            r.SetCurrency(upper);
        }

        field = CanonicalField.QuantityOnHand;
        text = r.GetText(CanonicalField.QuantityOnHand);
        if (!text.IsEmpty)
        {
            if (!TryParseDecimal(text, out var qty))
            {
                reason = $"'{Show(text)}' is not a number";
                return false;
            }

            if (qty < 0)
            {
                reason = $"{qty.ToString(CultureInfo.InvariantCulture)} is negative";
                return false;
            }

            r.QuantityOnHand = qty;
        }

        field = CanonicalField.Active;
        text = r.GetText(CanonicalField.Active);
        if (!text.IsEmpty)
        {
            if (!TryParseFlag(text, out var active))
            {
                reason = $"'{Show(text)}' is not a flag (Y/N, yes/no, true/false, 1/0, active/inactive)";
                return false;
            }

            r.IsActive = active;
        }

        field = CanonicalField.ImageUrl;
        if (!IsHttpUrl(r.ImageUrl))
        {
            reason = $"'{Show(r.ImageUrl)}' is not an http(s) URL";
            return false;
        }

        field = CanonicalField.ProductUrl;
        if (!IsHttpUrl(r.ProductUrl))
        {
            reason = $"'{Show(r.ProductUrl)}' is not an http(s) URL";
            return false;
        }

        field = CanonicalField.UpdatedAt;
        text = r.GetText(CanonicalField.UpdatedAt);
        if (!text.IsEmpty)
        {
            if (TryParseDate(text, out var day))
            {
                r.UpdatedAt = new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
            }
            else if (DateTimeOffset.TryParse(Encoding.UTF8.GetString(text), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
            {
                r.UpdatedAt = at;
            }
            else
            {
                reason = $"'{Show(text)}' is not an ISO 8601 date or date-time";
                return false;
            }
        }

        return true;
    }

    /// <summary>Parses <c>[-]digits[.digits]</c> quickly; falls back to the general parser for anything longer or odder.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool TryParseDecimal(ReadOnlySpan<byte> s, out decimal value)
    {
        var neg = false;
        var i = 0;
        if (s.Length > 0 && s[0] == (byte)'-')
        {
            neg = true;
            i = 1;
        }

        ulong units = 0;
        var digits = 0;
        byte scale = 0;
        var point = false;
        var ok = i < s.Length && s.Length - i <= 18;
        for (; ok && i < s.Length; i++)
        {
            var c = s[i];
            if ((uint)(c - '0') <= 9)
            {
                units = (units * 10) + (uint)(c - '0');
                digits++;
                if (point)
                {
                    scale++;
                }
            }
            else if (c == (byte)'.' && !point)
            {
                point = true;
            }
            else
            {
                ok = false;
            }
        }

        if (ok && digits > 0)
        {
            value = new decimal((int)(uint)units, (int)(uint)(units >> 32), 0, neg && units != 0, scale);
            return true;
        }

        return Utf8Parser.TryParse(s, out value, out var consumed) && consumed == s.Length;
    }

    /// <summary>Parses <c>yyyy-MM-dd</c>, or the date part of an ISO 8601 date-time when <paramref name="s"/> is exactly a date.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool TryParseDate(ReadOnlySpan<byte> s, out DateOnly date)
    {
        date = default;
        if (s.Length != 10 || s[4] != (byte)'-' || s[7] != (byte)'-')
        {
            return false;
        }

        if (!TwoOrFour(s[..4], out var y) || !TwoOrFour(s.Slice(5, 2), out var m) || !TwoOrFour(s.Slice(8, 2), out var d))
        {
            return false;
        }

        if (m is < 1 or > 12 || d < 1 || y < 1 || d > DateTime.DaysInMonth(y, m))
        {
            return false;
        }

        date = new DateOnly(y, m, d);
        return true;

        static bool TwoOrFour(ReadOnlySpan<byte> t, out int v)
        {
            v = 0;
            foreach (var c in t)
            {
                if ((uint)(c - '0') > 9)
                {
                    return false;
                }

                v = (v * 10) + (c - '0');
            }

            return true;
        }
    }

    /// <summary>Parses a boolean flag.</summary>
    public static bool TryParseFlag(ReadOnlySpan<byte> s, out bool value)
    {
        if (s.Length == 1)
        {
            switch (s[0] | 0x20)
            {
                case 'y':
                case 't':
                case '1':
                    value = true;
                    return true;
                case 'n':
                case 'f':
                case '0':
                    value = false;
                    return true;
            }
        }

        if (Ascii.EqualsIgnoreCase(s, "yes"u8) || Ascii.EqualsIgnoreCase(s, "true"u8) || Ascii.EqualsIgnoreCase(s, "active"u8))
        {
            value = true;
            return true;
        }

        if (Ascii.EqualsIgnoreCase(s, "no"u8) || Ascii.EqualsIgnoreCase(s, "false"u8) || Ascii.EqualsIgnoreCase(s, "inactive"u8))
        {
            value = false;
            return true;
        }

        value = false;
        return false;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool IsHttpUrl(ReadOnlySpan<byte> s) =>
        s.IsEmpty ||
        (s.Length > 8 && (Ascii.EqualsIgnoreCase(s[..8], "https://"u8) || Ascii.EqualsIgnoreCase(s[..7], "http://"u8)) &&
         s.IndexOfAny((byte)' ', (byte)'\t', (byte)'\n') < 0);

    private static string Show(ReadOnlySpan<byte> s) => Encoding.UTF8.GetString(s.Length > 40 ? s[..40] : s) + (s.Length > 40 ? "…" : string.Empty);
}
