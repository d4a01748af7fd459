using GrocerySync.Plugins.Abstractions;

namespace GrocerySync.Plugins.Feeds;

/// <summary>Writes the normalised value of a canonical field (shared by the generic CSV and JSON Lines adapters).</summary>
internal static class CanonicalWriter
{
    /// <summary>Whether the field has a value; text values go through <paramref name="text"/>, others are written raw.</summary>
    public static bool TryGetText(GroceryRecord r, CanonicalField f, out ReadOnlySpan<byte> text)
    {
        text = f switch
        {
            CanonicalField.Gtin => r.Gtin,
            CanonicalField.Currency => r.Currency,
            _ => r.GetText(f),
        };
        return f switch
        {
            CanonicalField.RegularPrice or CanonicalField.SalePrice or CanonicalField.SaleStart or CanonicalField.SaleEnd
                or CanonicalField.QuantityOnHand or CanonicalField.Active or CanonicalField.UpdatedAt => false,
            _ => true,
        };
    }

    /// <summary>Writes a typed field; returns false when it has no value. <paramref name="quoteDates"/> wraps dates in JSON quotes.</summary>
    public static bool WriteTyped(GroceryRecord r, CanonicalField f, OutputBuffer o, bool quoteDates)
    {
        switch (f)
        {
            case CanonicalField.RegularPrice:
                FeedText.WriteNumber(o, r.RegularPrice);
                return true;
            case CanonicalField.SalePrice when r.SalePrice is { } s:
                FeedText.WriteNumber(o, s);
                return true;
            case CanonicalField.QuantityOnHand when r.QuantityOnHand is { } q:
                FeedText.WriteNumber(o, q);
                return true;
            case CanonicalField.Active:
                FeedText.WriteBool(o, r.IsActive);
                return true;
            case CanonicalField.SaleStart when r.SaleStart is { } d:
                Date(o, d, quoteDates);
                return true;
            case CanonicalField.SaleEnd when r.SaleEnd is { } d:
                Date(o, d, quoteDates);
                return true;
            case CanonicalField.UpdatedAt when r.UpdatedAt is { } at:
                if (quoteDates)
                {
                    o.WriteByte((byte)'"');
                }

                var span = o.GetSpan(40);
                at.UtcDateTime.TryFormat(span, out var n, "yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
                o.Advance(n);
                if (quoteDates)
                {
                    o.WriteByte((byte)'"');
                }

                return true;
            default:
                return false;
        }
    }

    private static void Date(OutputBuffer o, DateOnly d, bool quote)
    {
        if (quote)
        {
            o.WriteByte((byte)'"');
        }

        o.WriteDate(d);
        if (quote)
        {
            o.WriteByte((byte)'"');
        }
    }
}
