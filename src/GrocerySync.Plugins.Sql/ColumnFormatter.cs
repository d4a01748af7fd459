using System.Data.Common;
using System.Globalization;
using GrocerySync.Plugins.Abstractions;

namespace GrocerySync.Plugins.Sql;

/// <summary>
/// Writes one column's value into a batch in the canonical text form: invariant numbers, ISO 8601 dates
/// (<c>yyyy-MM-dd</c> for dates and midnight date-times, round-trip form otherwise), <c>true</c>/<c>false</c>.
/// Chosen once per column from the provider's field type, so a row costs no type tests.
/// </summary>
internal abstract class ColumnFormatter
{
    private static readonly ColumnFormatter Text = new TextFormatter();
    private static readonly ColumnFormatter Int64 = new Int64Formatter();
    private static readonly ColumnFormatter Decimal = new DecimalFormatter();
    private static readonly ColumnFormatter Double = new DoubleFormatter();
    private static readonly ColumnFormatter Boolean = new BooleanFormatter();
    private static readonly ColumnFormatter DateTime = new DateTimeFormatter();
    private static readonly ColumnFormatter Other = new ValueFormatter();

    public abstract void Write(DbDataReader reader, int column, SourceBatch batch, int row, int slot);

    /// <summary>Picks the formatter for a column. SQLite types values per row, not per column, so it always formats the value it finds.</summary>
    public static ColumnFormatter For(Type type, SqlProvider provider) => provider == SqlProvider.Sqlite ? Other : Type.GetTypeCode(type) switch
    {
        TypeCode.String or TypeCode.Char => Text,
        TypeCode.Byte or TypeCode.SByte or TypeCode.Int16 or TypeCode.UInt16 or TypeCode.Int32 or TypeCode.UInt32 or TypeCode.Int64 => Int64,
        TypeCode.Decimal => Decimal,
        TypeCode.Double or TypeCode.Single => Double,
        TypeCode.Boolean => Boolean,
        TypeCode.DateTime => DateTime,
        _ => Other,
    };

    /// <summary>Formats any value the way the typed formatters do; used for provider-specific types too.</summary>
    public static string Format(object value) => value switch
    {
        string s => s,
        decimal m => m.ToString(CultureInfo.InvariantCulture),
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        float f => f.ToString("R", CultureInfo.InvariantCulture),
        bool b => b ? "true" : "false",
        DateTime dt => FormatDateTime(dt),
        DateOnly d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        DateTimeOffset dto => dto.ToString("O", CultureInfo.InvariantCulture),
        TimeOnly t => t.ToString("HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture),
        Guid g => g.ToString("D"),
        byte[] bytes => Convert.ToBase64String(bytes),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? string.Empty,
    };

    private static string FormatDateTime(DateTime value) =>
        value.TimeOfDay == TimeSpan.Zero && value.Kind != DateTimeKind.Utc
            ? value.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)
            : value.ToString("O", CultureInfo.InvariantCulture);

    private sealed class TextFormatter : ColumnFormatter
    {
        public override void Write(DbDataReader reader, int column, SourceBatch batch, int row, int slot) =>
            batch.SetField(row, slot, reader.GetString(column).AsSpan());
    }

    private sealed class Int64Formatter : ColumnFormatter
    {
        public override void Write(DbDataReader reader, int column, SourceBatch batch, int row, int slot)
        {
            var value = Convert.ToInt64(reader.GetValue(column), CultureInfo.InvariantCulture);
            Span<char> text = stackalloc char[20];
            value.TryFormat(text, out var n, default, CultureInfo.InvariantCulture);
            batch.SetField(row, slot, text[..n]);
        }
    }

    private sealed class DecimalFormatter : ColumnFormatter
    {
        public override void Write(DbDataReader reader, int column, SourceBatch batch, int row, int slot)
        {
            Span<char> text = stackalloc char[64];
            reader.GetDecimal(column).TryFormat(text, out var n, default, CultureInfo.InvariantCulture);
            batch.SetField(row, slot, text[..n]);
        }
    }

    private sealed class DoubleFormatter : ColumnFormatter
    {
        public override void Write(DbDataReader reader, int column, SourceBatch batch, int row, int slot) =>
            batch.SetField(row, slot, Format(reader.GetValue(column)).AsSpan());
    }

    private sealed class BooleanFormatter : ColumnFormatter
    {
        public override void Write(DbDataReader reader, int column, SourceBatch batch, int row, int slot) =>
            batch.SetField(row, slot, reader.GetBoolean(column) ? "true" : "false");
    }

    private sealed class DateTimeFormatter : ColumnFormatter
    {
        public override void Write(DbDataReader reader, int column, SourceBatch batch, int row, int slot) =>
            batch.SetField(row, slot, FormatDateTime(reader.GetDateTime(column)).AsSpan());
    }

    private sealed class ValueFormatter : ColumnFormatter
    {
        public override void Write(DbDataReader reader, int column, SourceBatch batch, int row, int slot) =>
            batch.SetField(row, slot, Format(reader.GetValue(column)).AsSpan());
    }
}
