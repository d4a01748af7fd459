using System.Runtime.CompilerServices;
namespace GrocerySync.Sync;

/// <summary>GTIN validation and normalisation to GTIN-14.</summary>
public static class Gtin
{
    /// <summary>
    /// Normalises a GTIN-8 (EAN-8), UPC-E (6, 7 or 8 digits), GTIN-12 (UPC-A), GTIN-13 (EAN-13) or GTIN-14 to
    /// GTIN-14, verifying the check digit (mod 10). An 8-digit code is read as EAN-8 when its check digit fits,
    /// otherwise as UPC-E (number system 0 or 1). A 6-digit UPC-E gets number system 0, a 7-digit one has it, and
    /// both get their check digit computed.
    /// </summary>
    /// <param name="input">ASCII digits.</param>
    /// <param name="gtin14">Receives the 14 digits.</param>
    /// <param name="variableMeasure">In-store, restricted-circulation number (GS1 prefix 02 or 20-29): valid but only inside the retailer.</param>
    /// <param name="error">Why the input is not a GTIN.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool TryNormalize(ReadOnlySpan<byte> input, Span<byte> gtin14, out bool variableMeasure, out string? error)
    {
        variableMeasure = false;
        if (input.ContainsAnyExceptInRange((byte)'0', (byte)'9'))
        {
            error = "must contain digits only";
            return false;
        }

        switch (input.Length)
        {
            case 6:
            case 7:
                {
                    Span<byte> e = stackalloc byte[8];
                    if (input.Length == 6)
                    {
                        e[0] = (byte)'0';
                        input.CopyTo(e[1..]);
                    }
                    else
                    {
                        input.CopyTo(e);
                    }

                    if (e[0] is not ((byte)'0' or (byte)'1'))
                    {
                        error = "a 7-digit UPC-E must start with number system 0 or 1";
                        return false;
                    }

                    ExpandUpcE(e, gtin14);
                    gtin14[13] = CheckDigit(gtin14[..13]);
                    break;
                }

            case 8:
                {
                    gtin14[..6].Fill((byte)'0');
                    input.CopyTo(gtin14[6..]);
                    if (gtin14[13] == CheckDigit(gtin14[..13]))
                    {
                        break;
                    }

                    if (input[0] is (byte)'0' or (byte)'1')
                    {
                        ExpandUpcE(input, gtin14);
                        if (gtin14[13] == CheckDigit(gtin14[..13]))
                        {
                            break;
                        }
                    }

                    error = "check digit does not match (neither EAN-8 nor UPC-E)";
                    return false;
                }

            case 12:
            case 13:
            case 14:
                gtin14[..(14 - input.Length)].Fill((byte)'0');
                input.CopyTo(gtin14[(14 - input.Length)..]);
                var expected = CheckDigit(gtin14[..13]);
                if (gtin14[13] != expected)
                {
                    error = $"check digit is {(char)gtin14[13]}, expected {(char)expected}";
                    return false;
                }

                break;

            default:
                error = $"has {input.Length} digits; a GTIN has 8, 12, 13 or 14 (UPC-E 6-8)";
                return false;
        }

        if (!gtin14[..13].ContainsAnyExcept((byte)'0'))
        {
            error = "is all zeros";
            return false;
        }

        variableMeasure = gtin14[0] == (byte)'0' && (gtin14[1] == (byte)'2' || (gtin14[1] == (byte)'0' && gtin14[2] == (byte)'2'));
        error = null;
        return true;
    }

    /// <summary>Whether the last digit of a GTIN of any length is its correct mod-10 check digit.</summary>
    public static bool IsCheckDigitValid(ReadOnlySpan<byte> digits) =>
        digits.Length >= 2 && !digits.ContainsAnyExceptInRange((byte)'0', (byte)'9') && digits[^1] == CheckDigit(digits[..^1]);

    /// <summary>The GS1 mod-10 check digit (ASCII) for the given digits without their check digit.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static byte CheckDigit(ReadOnlySpan<byte> digitsWithoutCheck)
    {
        var sum = 0;
        var weight = 3;
        for (var i = digitsWithoutCheck.Length - 1; i >= 0; i--)
        {
            sum += (digitsWithoutCheck[i] - '0') * weight;
            weight = 4 - weight;
        }

        return (byte)('0' + ((10 - (sum % 10)) % 10));
    }

    /// <summary>Expands an 8-digit UPC-E (number system, 6 digits, check) into GTIN-14 form; the check digit is copied.</summary>
    private static void ExpandUpcE(ReadOnlySpan<byte> e, Span<byte> g)
    {
        // g = "00" + UPC-A (12 digits)
        Span<byte> a = g[2..];
        a.Fill((byte)'0');
        g[0] = g[1] = (byte)'0';
        a[0] = e[0];
        byte d1 = e[1], d2 = e[2], d3 = e[3], d4 = e[4], d5 = e[5], d6 = e[6];
        switch (d6)
        {
            case (byte)'0':
            case (byte)'1':
            case (byte)'2':
                a[1] = d1; a[2] = d2; a[3] = d6; a[8] = d3; a[9] = d4; a[10] = d5;
                break;
            case (byte)'3':
                a[1] = d1; a[2] = d2; a[3] = d3; a[9] = d4; a[10] = d5;
                break;
            case (byte)'4':
                a[1] = d1; a[2] = d2; a[3] = d3; a[4] = d4; a[10] = d5;
                break;
            default:
                a[1] = d1; a[2] = d2; a[3] = d3; a[4] = d4; a[5] = d5; a[10] = d6;
                break;
        }

        a[11] = e.Length > 7 ? e[7] : (byte)'0';
    }
}
