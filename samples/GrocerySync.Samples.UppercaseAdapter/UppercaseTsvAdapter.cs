using System.Text;
using GrocerySync.Plugins.Abstractions;

namespace GrocerySync.Samples.UppercaseAdapter;

/// <summary>Writes <c>sku, NAME, BRAND, price</c> rows as TSV.</summary>
internal sealed class UppercaseTsvAdapter(bool includeBrand, string currencySuffix) : IAdapter
{
    public string ContentType => "text/tab-separated-values";

    public string FileExtension => "tsv";

    public void WriteHeader(OutputBuffer output) =>
        output.Write(includeBrand ? "sku\tname\tbrand\tprice\n"u8 : "sku\tname\tprice\n"u8);

    public bool WriteRecord(GroceryRecord record, OutputBuffer output, out string? reason)
    {
        if (record.Name.IsEmpty)
        {
            // Returning false tells the engine this channel cannot take the record; it is counted as rejected.
            reason = "the upper-case feed needs a name";
            return false;
        }

        output.WriteTsvField(record.Sku);
        output.WriteByte((byte)'\t');
        WriteUpper(record.Name, output);
        if (includeBrand)
        {
            output.WriteByte((byte)'\t');
            WriteUpper(record.Brand, output);
        }

        output.WriteByte((byte)'\t');
        output.WriteDecimal(record.RegularPrice, 2);
        output.Write(currencySuffix.AsSpan());
        output.WriteByte((byte)'\n');
        reason = null;
        return true;
    }

    public void WriteDeletion(ReadOnlySpan<byte> key, OutputBuffer output)
    {
        // A TSV feed has no way to say "removed": a full run leaves the record out instead.
    }

    public void WriteFooter(OutputBuffer output)
    {
    }

    private static void WriteUpper(ReadOnlySpan<byte> utf8, OutputBuffer output)
    {
        var upper = Encoding.UTF8.GetString(utf8).ToUpperInvariant().Replace('\t', ' ').Replace('\n', ' ');
        output.Write(upper.AsSpan());
    }
}
