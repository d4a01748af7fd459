using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace GrocerySync.Plugins.DelimitedFile;

internal enum ParseResult
{
    Row,
    NeedMore,
    Malformed,
}

/// <summary>
/// Finds the fields of one delimited row in a UTF-8 buffer (RFC 4180: quoted fields may hold the delimiter, line
/// breaks and doubled quotes). Field ranges are kept for the last parsed row; quoted fields are unescaped in place
/// only once the row is known to be complete, so a row that needs more data can be parsed again.
/// </summary>
internal sealed class RowParser(byte delimiter)
{
    private const byte Quote = (byte)'"';
    private readonly SearchValues<byte> _stops = SearchValues.Create([delimiter, (byte)'\n']);
    private int[] _starts = new int[64];
    private int[] _lengths = new int[64];
    private bool[] _escaped = new bool[64];

    public int FieldCount { get; private set; }

    public ReadOnlySpan<byte> Field(ReadOnlySpan<byte> data, int index) => data.Slice(_starts[index], _lengths[index]);

    public bool IsBlank(ReadOnlySpan<byte> data, int rowStart) =>
        FieldCount == 1 && _lengths[0] == 0 && (_starts[0] == rowStart);

    /// <summary>Unescapes field <paramref name="index"/> in place if it had doubled quotes; returns its final range.</summary>
    /// <remarks>Called for every field: inlined into the row loop, the rare quoted field takes a call.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public (int Start, int Length) Unescape(Span<byte> data, int index) =>
        _escaped[index] ? UnescapeQuoted(data, index) : (_starts[index], _lengths[index]);

    private (int Start, int Length) UnescapeQuoted(Span<byte> data, int index)
    {
        var start = _starts[index];
        var f = data.Slice(start, _lengths[index]);
        var w = 0;
        for (var r = 0; r < f.Length; r++)
        {
            f[w++] = f[r];
            if (f[r] == Quote)
            {
                r++; // skip the second quote of a pair
            }
        }

        _lengths[index] = w;
        _escaped[index] = false;
        return (start, w);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Add(int start, int length, bool escaped)
    {
        if (FieldCount == _starts.Length)
        {
            Array.Resize(ref _starts, FieldCount * 2);
            Array.Resize(ref _lengths, FieldCount * 2);
            Array.Resize(ref _escaped, FieldCount * 2);
        }

        _starts[FieldCount] = start;
        _lengths[FieldCount] = length;
        _escaped[FieldCount] = escaped;
        FieldCount++;
    }

    /// <summary>
    /// The fast path for a row without quotes that ends inside the buffer (nearly every row of a real export): finds
    /// the delimiters and the line break 32 bytes at a time instead of one search per field. Returns
    /// <see langword="false"/> for anything else (a quote anywhere in the row, the end of the buffer, no vector
    /// hardware), which <see cref="Parse"/> then handles byte by byte.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private bool TryParsePlainRow(ReadOnlySpan<byte> data, int p, out int next)
    {
        FieldCount = 0;
        next = p;
        if (!Vector256.IsHardwareAccelerated)
        {
            return false;
        }

        ref var origin = ref MemoryMarshal.GetReference(data);
        var delimiters = Vector256.Create(delimiter);
        var newlines = Vector256.Create((byte)'\n');
        var quotes = Vector256.Create(Quote);
        var fieldStart = p;
        for (var block = p; block <= data.Length - Vector256<byte>.Count; block += Vector256<byte>.Count)
        {
            var v = Vector256.LoadUnsafe(ref origin, (nuint)block);
            var stops = (Vector256.Equals(v, delimiters) | Vector256.Equals(v, newlines) | Vector256.Equals(v, quotes)).ExtractMostSignificantBits();
            while (stops != 0)
            {
                var at = block + BitOperations.TrailingZeroCount(stops);
                stops &= stops - 1;
                var b = data[at];
                if (b == delimiter)
                {
                    Add(fieldStart, at - fieldStart, false);
                    fieldStart = at + 1;
                }
                else if (b == Quote)
                {
                    FieldCount = 0;
                    return false;
                }
                else
                {
                    var end = at > fieldStart && data[at - 1] == (byte)'\r' ? at - 1 : at;
                    Add(fieldStart, end - fieldStart, false);
                    next = at + 1;
                    return true;
                }
            }
        }

        FieldCount = 0;
        return false;
    }

    /// <summary>Parses the row starting at <paramref name="p"/>.</summary>
    /// <param name="data">The buffer.</param>
    /// <param name="p">Row start.</param>
    /// <param name="eof">Whether the buffer ends where the file ends.</param>
    /// <param name="next">Start of the following row.</param>
    /// <param name="newlines">Line breaks consumed (for line numbers).</param>
    /// <param name="error">Why a malformed row is malformed.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public ParseResult Parse(ReadOnlySpan<byte> data, int p, bool eof, out int next, out int newlines, out string? error)
    {
        error = null;
        if (TryParsePlainRow(data, p, out next))
        {
            newlines = 1;
            return ParseResult.Row;
        }

        FieldCount = 0;
        newlines = 0;
        next = p;
        while (true)
        {
            if (p < data.Length && data[p] == Quote)
            {
                var contentStart = p + 1;
                var q = contentStart;
                var escaped = false;
                int close;
                while (true)
                {
                    var i = data[q..].IndexOf(Quote);
                    if (i < 0)
                    {
                        if (!eof)
                        {
                            return ParseResult.NeedMore;
                        }

                        newlines += data[p..].Count((byte)'\n');
                        next = data.Length;
                        error = "has a quoted field that never closes (truncated export or a stray quote)";
                        return ParseResult.Malformed;
                    }

                    var j = q + i;
                    if (j + 1 < data.Length && data[j + 1] == Quote)
                    {
                        escaped = true;
                        q = j + 2;
                        continue;
                    }

                    if (j + 1 == data.Length && !eof)
                    {
                        return ParseResult.NeedMore;
                    }

                    close = j;
                    break;
                }

                var content = data[contentStart..close];
                newlines += content.Count((byte)'\n');
                Add(contentStart, close - contentStart, escaped);
                p = close + 1;
                if (p >= data.Length)
                {
                    next = p;
                    newlines++;
                    return ParseResult.Row;
                }

                var after = data[p];
                if (after == delimiter)
                {
                    p++;
                    continue;
                }

                if (after == (byte)'\r' && p + 1 < data.Length && data[p + 1] == (byte)'\n')
                {
                    p++;
                    after = (byte)'\n';
                }
                else if (after == (byte)'\r' && p + 1 >= data.Length && !eof)
                {
                    return ParseResult.NeedMore;
                }

                if (after == (byte)'\n')
                {
                    next = p + 1;
                    newlines++;
                    return ParseResult.Row;
                }

                // Garbage after a closing quote: skip to the end of the physical line.
                var nl = data[p..].IndexOf((byte)'\n');
                if (nl < 0 && !eof)
                {
                    return ParseResult.NeedMore;
                }

                next = nl < 0 ? data.Length : p + nl + 1;
                newlines++;
                error = $"has a character after the closing quote of field {FieldCount} (stray quote?)";
                return ParseResult.Malformed;
            }

            var k = data[p..].IndexOfAny(_stops);
            if (k < 0)
            {
                if (!eof)
                {
                    return ParseResult.NeedMore;
                }

                var end = data.Length;
                if (end > p && data[end - 1] == (byte)'\r')
                {
                    end--;
                }

                Add(p, end - p, false);
                next = data.Length;
                newlines++;
                return ParseResult.Row;
            }

            var stop = p + k;
            if (data[stop] == delimiter)
            {
                Add(p, k, false);
                p = stop + 1;
                continue;
            }

            var fieldEnd = stop > p && data[stop - 1] == (byte)'\r' ? stop - 1 : stop;
            Add(p, fieldEnd - p, false);
            next = stop + 1;
            newlines++;
            return ParseResult.Row;
        }
    }
}
