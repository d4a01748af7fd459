using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Unicode;
using GrocerySync.Plugins.Abstractions;

namespace GrocerySync.Plugins.DelimitedFile;

/// <summary>
/// Streams a delimited file into source batches without copying: the file is read straight into the batch buffer,
/// fields are parsed in place (RFC 4180 quoting, CRLF or LF) and only point at their bytes. A row that cannot be
/// read (broken quoting, wrong column count, invalid UTF-8, longer than the row limit) is rejected and skipped.
/// </summary>
internal sealed class DelimitedFileSource(DelimitedFileOptions options) : ISourceConnector
{
    private const int MinRead = 64 * 1024;
    private static readonly int[] NumericSlots = [(int)CanonicalField.RegularPrice, (int)CanonicalField.SalePrice, (int)CanonicalField.QuantityOnHand];

    public Task<ConnectionTestResult> TestConnectionAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var fs = new FileStream(options.Path, FileMode.Open, FileAccess.Read, FileShare.Read, 1);
            return Task.FromResult(ConnectionTestResult.Ok($"{options.Path} is readable ({fs.Length:N0} bytes)."));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return Task.FromResult(ConnectionTestResult.Failed($"{options.Path} cannot be read: {ex.Message}"));
        }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    public async IAsyncEnumerable<SourceBatch> ReadAsync(SourceReadContext context, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        Stream stream;
        try
        {
            stream = new FileStream(options.Path, FileMode.Open, FileAccess.Read, FileShare.Read, 0, FileOptions.SequentialScan | FileOptions.Asynchronous);
            if (stream.CanSeek)
            {
                context.ReportTotalBytes(stream.Length); // a named pipe has no length
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new PluginException($"Cannot open the source file '{options.Path}': {ex.Message}", ex);
        }

        if (options.Encoding.CodePage != Encoding.UTF8.CodePage)
        {
            stream = Encoding.CreateTranscodingStream(stream, options.Encoding, Encoding.UTF8, leaveOpen: false);
        }

        await using var _ = stream;
        var parser = new RowParser(options.Delimiter);
        var batch = context.RentBatch();
        var pos = 0;            // start of the next unparsed row in batch.Data
        var line = 1L;          // line number of the row at pos
        var eof = false;
        var first = true;
        int[]? slots = null;
        var columns = 0;

        while (true)
        {
            // Fill the batch.
            if (!eof)
            {
                if (batch.DataCapacity - batch.DataLength < MinRead)
                {
                    batch.GetMemory(MinRead);
                }

                while (!eof && batch.DataCapacity - batch.DataLength >= MinRead / 4)
                {
                    var n = await stream.ReadAsync(batch.GetMemory(), cancellationToken);
                    if (n == 0)
                    {
                        eof = true;
                        break;
                    }

                    batch.Advance(n);
                    context.ReportBytesRead(n);
                }
            }

            if (first && batch.DataLength >= 3 && batch.Data[..3].SequenceEqual("\uFEFF"u8))
            {
                pos = 3;
            }

            first = false;

            ParseRows(batch, parser, context, eof, ref pos, ref line, ref slots, ref columns);

            if (eof && pos >= batch.DataLength)
            {
                if (batch.Count > 0)
                {
                    yield return batch;
                }

                yield break;
            }

            // A row continues past the data we have.
            if (batch.DataLength - pos >= options.MaxRowBytes)
            {
                context.Reject(line, "row", $"is longer than {options.MaxRowBytes:N0} bytes (maxRowBytes); a field may be huge or a quote unclosed");
                if (batch.Count > 0)
                {
                    // Hand over the rows read so far before the skip reuses the buffer.
                    var fresh = context.RentBatch();
                    var rest = batch.Data[pos..];
                    rest.CopyTo(fresh.GetSpan(rest.Length));
                    fresh.Advance(rest.Length);
                    yield return batch;
                    batch = fresh;
                    pos = 0;
                }

                var skipped = await SkipRowAsync(stream, batch, pos, context, cancellationToken);
                line += skipped.Lines;
                eof = skipped.Eof;
                pos = 0;
                continue;
            }

            var next2 = batch.Count > 0 ? context.RentBatch() : batch;
            var tail = batch.Data[pos..];
            if (ReferenceEquals(next2, batch))
            {
                var copy = tail.ToArray();
                batch.Clear();
                copy.CopyTo(batch.GetSpan(copy.Length));
                batch.Advance(copy.Length);
            }
            else
            {
                tail.CopyTo(next2.GetSpan(Math.Max(tail.Length, MinRead)));
                next2.Advance(tail.Length);
                yield return batch;
                batch = next2;
            }

            pos = 0;
        }
    }

    /// <summary>
    /// Parses the complete rows of the batch's data from <paramref name="pos"/> into field ranges (the header row into
    /// <paramref name="slots"/>); stops at a row that continues past the data. Synchronous and compiled fully optimised
    /// from its first call: it runs once per batch, so tiered compilation would leave it in start-up code for much of a
    /// short run.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ParseRows(SourceBatch batch, RowParser parser, SourceReadContext context, bool eof, ref int pos, ref long line, ref int[]? slots, ref int columns)
    {
        var data = batch.Data;
        while (pos < data.Length)
        {
            var result = parser.Parse(data, pos, eof, out var next, out var newlines, out var error);
            if (result == ParseResult.NeedMore)
            {
                break;
            }

            var rowLine = line;
            line += newlines;
            var rowStart = pos;
            pos = next;
            if (result == ParseResult.Malformed)
            {
                context.Reject(rowLine, "row", error!);
                continue;
            }

            if (parser.IsBlank(data, rowStart))
            {
                continue;
            }

            if (slots is null)
            {
                var header = new string[parser.FieldCount];
                for (var i = 0; i < header.Length; i++)
                {
                    header[i] = Encoding.UTF8.GetString(parser.Field(data, i));
                }

                slots = context.Mapping.ResolveColumns(header);
                columns = header.Length;
                continue;
            }

            if (parser.FieldCount != columns)
            {
                var hint = eof && pos >= data.Length ? " (the last row: is the export truncated?)" : string.Empty;
                context.Reject(rowLine, "row", $"has {parser.FieldCount} columns, the header has {columns}{hint}");
                continue;
            }

            if (!Utf8.IsValid(data[rowStart..pos]))
            {
                context.Reject(rowLine, FirstInvalidColumn(data, parser, slots), "is not valid UTF-8: is the file Latin-1 or Windows-1252? Set the source's encoding setting.");
                continue;
            }

            var row = batch.AddRow(rowLine);
            for (var c = 0; c < columns; c++)
            {
                var slot = slots[c];
                if (slot >= 0)
                {
                    var (start, length) = parser.Unescape(batch.Data, c);
                    if (options.DecimalComma && Array.IndexOf(NumericSlots, slot) >= 0)
                    {
                        var converted = DecimalCommaToPoint(batch.Data.Slice(start, length));
                        if (converted < 0)
                        {
                            RejectDecimalPoint(batch, context, rowLine, slot, batch.Data.Slice(start, length));
                            break;
                        }

                        length = converted;
                    }

                    batch.SetFieldRange(row, slot, start, length);
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void RejectDecimalPoint(SourceBatch batch, SourceReadContext context, long line, int slot, ReadOnlySpan<byte> number)
    {
        batch.RemoveLastRow();
        context.Reject(line, CanonicalFields.GetName((CanonicalField)slot), $"'{Encoding.UTF8.GetString(number)}' is not a number with a decimal comma: '.' may only group thousands (1.234,50)");
    }

    /// <summary>
    /// Whether every '.' of a decimal-comma number groups thousands: in the integer part, after one to three digits,
    /// each followed by three digits (1.234.567,5). A '.' anywhere else (1.50, 1,234.50) means the number was written
    /// with a decimal point, and dropping it would turn 1.50 into 150.
    /// </summary>
    private static bool GroupsThousandsOnly(ReadOnlySpan<byte> field)
    {
        var number = field.Trim(" \t"u8);
        var dot = number.IndexOf((byte)'.');
        if (dot < 0)
        {
            return true;
        }

        var comma = number.IndexOf((byte)',');
        var integer = comma < 0 ? number : number[..comma];
        if (comma >= 0 && number[(comma + 1)..].Contains((byte)'.'))
        {
            return false;
        }

        var lead = integer[..dot].TrimStart("+-"u8).Length;
        var groups = integer[dot..];
        if (lead is < 1 or > 3 || groups.Length % 4 != 0)
        {
            return false;
        }

        for (var i = 0; i < groups.Length; i += 4)
        {
            if (groups[i] != (byte)'.' || groups.Slice(i + 1, 3).ContainsAnyExceptInRange((byte)'0', (byte)'9'))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Discards the rest of an over-long row; keeps what follows it at the start of the batch.</summary>
    private static async Task<(long Lines, bool Eof)> SkipRowAsync(Stream stream, SourceBatch batch, int rowStart, SourceReadContext context, CancellationToken ct)
    {
        var inQuote = false;
        long lines = 0;
        var buffer = batch.Data[rowStart..].ToArray();
        var length = buffer.Length;
        while (true)
        {
            for (var i = 0; i < length; i++)
            {
                var b = buffer[i];
                if (b == (byte)'"')
                {
                    inQuote = !inQuote;
                }
                else if (b == (byte)'\n')
                {
                    lines++;
                    if (!inQuote)
                    {
                        var rest = buffer.AsSpan(i + 1, length - i - 1);
                        batch.Clear();
                        rest.CopyTo(batch.GetSpan(rest.Length));
                        batch.Advance(rest.Length);
                        return (lines, false);
                    }
                }
            }

            length = await stream.ReadAsync(buffer, ct);
            if (length == 0)
            {
                batch.Clear();
                return (lines, true);
            }

            context.ReportBytesRead(length);
        }
    }

    private static string FirstInvalidColumn(ReadOnlySpan<byte> data, RowParser parser, int[] slots)
    {
        for (var c = 0; c < parser.FieldCount; c++)
        {
            if (!Utf8.IsValid(parser.Field(data, c)))
            {
                return slots[c] is var s and >= 0 and < CanonicalFields.Count ? CanonicalFields.GetName((CanonicalField)s) : $"column {c + 1}";
            }
        }

        return "row";
    }

    /// <summary>
    /// Rewrites a number written with a decimal comma (1.234,56) in place in the decimal point form (1234.56); returns
    /// its new length, or -1, leaving it unchanged, when a '.' in it does not group thousands.
    /// </summary>
    private static int DecimalCommaToPoint(Span<byte> field)
    {
        if (!GroupsThousandsOnly(field))
        {
            return -1;
        }

        var w = 0;
        foreach (var b in field)
        {
            if (b == (byte)'.')
            {
                continue;
            }

            field[w++] = b == (byte)',' ? (byte)'.' : b;
        }

        return w;
    }
}
