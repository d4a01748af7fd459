using System.Runtime.CompilerServices;
using GrocerySync.Plugins.Abstractions;

namespace GrocerySync.Plugins.Feeds;

/// <summary>Small formatting helpers shared by the adapters of this assembly.</summary>
internal static class FeedText
{
    /// <summary>Writes "name size unit" (skipping empty parts), cut to <paramref name="maxChars"/> characters.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void WriteTitle(GroceryRecord r, Span<byte> scratch, out int length, int maxChars)
    {
        var n = 0;
        Append(scratch, ref n, r.Name);
        if (!r.Size.IsEmpty)
        {
            scratch[n++] = (byte)' ';
            Append(scratch, ref n, r.Size);
        }

        if (!r.Unit.IsEmpty)
        {
            scratch[n++] = (byte)' ';
            Append(scratch, ref n, r.Unit);
        }

        length = CutToChars(scratch[..n], maxChars);
    }

    private static void Append(Span<byte> scratch, ref int n, ReadOnlySpan<byte> value)
    {
        var room = scratch.Length - n - 1;
        if (value.Length > room)
        {
            value = value[..Math.Max(room, 0)];
        }

        value.CopyTo(scratch[n..]);
        n += value.Length;
    }

    /// <summary>Length in bytes of the first <paramref name="maxChars"/> characters of UTF-8 text (never cuts a character).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static int CutToChars(ReadOnlySpan<byte> utf8, int maxChars)
    {
        if (utf8.Length <= maxChars)
        {
            return utf8.Length;
        }

        var chars = 0;
        for (var i = 0; i < utf8.Length; i++)
        {
            if ((utf8[i] & 0xC0) != 0x80)
            {
                if (chars == maxChars)
                {
                    return i;
                }

                chars++;
            }
        }

        return utf8.Length;
    }

    /// <summary>The GTIN-14 shortened to 13 or 12 digits when it has leading zeros (what shops and scanners print).</summary>
    public static ReadOnlySpan<byte> ShortGtin(ReadOnlySpan<byte> gtin14)
    {
        if (gtin14.Length == 14 && gtin14[0] == (byte)'0')
        {
            return gtin14[1] == (byte)'0' ? gtin14[2..] : gtin14[1..];
        }

        return gtin14;
    }

    /// <summary>Splits a record key into SKU and store (the engine joins them with U+001F).</summary>
    public static ReadOnlySpan<byte> KeySku(ReadOnlySpan<byte> key)
    {
        var i = key.IndexOf((byte)0x1F);
        return i < 0 ? key : key[..i];
    }

    public static ReadOnlySpan<byte> KeyStore(ReadOnlySpan<byte> key)
    {
        var i = key.IndexOf((byte)0x1F);
        return i < 0 ? default : key[(i + 1)..];
    }

    public static void WriteBool(OutputBuffer o, bool value) => o.Write(value ? "true"u8 : "false"u8);

    /// <summary>A decimal as it is (invariant culture, no trailing-zero padding).</summary>
    public static void WriteNumber(OutputBuffer o, decimal value)
    {
        var span = o.GetSpan(40);
        value.TryFormat(span, out var n, default, System.Globalization.CultureInfo.InvariantCulture);
        o.Advance(n);
    }
}
