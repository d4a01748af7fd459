namespace GrocerySync.Plugins.Abstractions;

/// <summary>
/// Turns canonical records into a channel's format, writing UTF-8 straight into an <see cref="OutputBuffer"/>.
/// Calls come in this order on one thread: <see cref="WriteHeader"/> once, then <see cref="WriteRecord"/> and
/// <see cref="WriteDeletion"/> any number of times, then <see cref="WriteFooter"/> once.
/// </summary>
public interface IAdapter
{
    /// <summary>Media type of the output, e.g. <c>text/tab-separated-values</c>.</summary>
    string ContentType { get; }

    /// <summary>Usual file extension without the dot, e.g. <c>tsv</c>; destinations use it to name files.</summary>
    string FileExtension { get; }

    /// <summary>Writes what comes before the first record (a header row), or nothing.</summary>
    void WriteHeader(OutputBuffer output);

    /// <summary>
    /// Writes one record. Returns <see langword="false"/> when the channel cannot take this record (the engine
    /// counts it as rejected with <paramref name="reason"/>); write nothing in that case.
    /// </summary>
    bool WriteRecord(GroceryRecord record, OutputBuffer output, out string? reason);

    /// <summary>
    /// Writes the removal of a record that is gone from the source (delta runs), or nothing when the format has no
    /// way to express removals (a full run of such a format removes it by leaving it out).
    /// </summary>
    /// <param name="key">The record key: the SKU, or SKU and store separated by U+001F when the key includes the store.</param>
    /// <param name="output">Where to write.</param>
    void WriteDeletion(ReadOnlySpan<byte> key, OutputBuffer output);

    /// <summary>Writes what comes after the last record, or nothing.</summary>
    void WriteFooter(OutputBuffer output);
}
