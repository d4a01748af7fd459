namespace GrocerySync.Plugins.Abstractions;

/// <summary>
/// Reads grocery records from a store system, streaming: a source never holds the whole catalog in memory.
/// </summary>
/// <remarks>
/// Text form of the fields a source delivers (the engine validates and normalises from there):
/// UTF-8; numbers with a decimal point and no thousands separators (a source whose data uses a decimal comma
/// converts it); dates as ISO 8601 <c>yyyy-MM-dd</c> (date-times as ISO 8601); booleans as Y/N, yes/no,
/// true/false, 1/0 or active/inactive. Surrounding spaces are trimmed by the engine.
/// </remarks>
public interface ISourceConnector : IAsyncDisposable
{
    /// <summary>Checks that the source can be read (file exists, server answers, credentials work) without reading it.</summary>
    Task<ConnectionTestResult> TestConnectionAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Streams the records as batches rented from <see cref="SourceReadContext.RentBatch"/>. A row the source cannot
    /// read at all (wrong column count, broken quoting, invalid encoding) is reported with
    /// <see cref="SourceReadContext.Reject"/> and skipped; the run goes on. A failure that makes the whole source
    /// unreadable throws <see cref="PluginException"/>.
    /// </summary>
    IAsyncEnumerable<SourceBatch> ReadAsync(SourceReadContext context, CancellationToken cancellationToken);
}

/// <summary>What the engine gives a source for one run.</summary>
public abstract class SourceReadContext
{
    /// <summary>Which source columns feed which canonical fields and attributes.</summary>
    public abstract FieldMapping Mapping { get; }

    /// <summary>
    /// An empty batch with <see cref="FieldMapping.SlotCount"/> slots. Batches come from a small pool, so memory stays
    /// bounded; yield each batch before renting more than one extra.
    /// </summary>
    public abstract SourceBatch RentBatch();

    /// <summary>Reports a row the source could not read; thread-safe.</summary>
    /// <param name="lineNumber">1-based line or record number in the source.</param>
    /// <param name="field">The column or canonical field at fault, or <c>row</c> for the row as a whole.</param>
    /// <param name="reason">What is wrong, for a person to fix the export.</param>
    public abstract void Reject(long lineNumber, string field, string reason);

    /// <summary>Adds to the count of bytes read, for live progress; thread-safe.</summary>
    public abstract void ReportBytesRead(long bytes);

    /// <summary>
    /// Tells the engine how large the whole source is, in bytes, when the source knows it before reading (a file's
    /// length), so the engine can size its per-record state once instead of growing it while reading. Optional: call
    /// it once, before yielding the first batch. The base implementation ignores it. Since SDK 1.1.
    /// </summary>
    public virtual void ReportTotalBytes(long bytes)
    {
    }
}

/// <summary>The outcome of a connection test.</summary>
/// <param name="Success">Whether the connection works.</param>
/// <param name="Message">What was checked, or what failed and how to fix it. Never contains a secret.</param>
public sealed record ConnectionTestResult(bool Success, string Message)
{
    /// <summary>A successful result.</summary>
    public static ConnectionTestResult Ok(string message) => new(true, message);

    /// <summary>A failed result.</summary>
    public static ConnectionTestResult Failed(string message) => new(false, message);
}
