using System.Collections.Concurrent;
using System.Text;
using GrocerySync.Plugins.Abstractions;

namespace GrocerySync.Plugins.Sql.Tests;

/// <summary>A source read context like the engine's: rents fresh batches and records rejects.</summary>
internal sealed class TestReadContext(FieldMapping mapping) : SourceReadContext
{
    public override FieldMapping Mapping { get; } = mapping;

    public ConcurrentQueue<(long Line, string Field, string Reason)> Rejects { get; } = new();

    public long BytesRead;

    public override SourceBatch RentBatch() => new(Mapping.SlotCount, 4096);

    public override void Reject(long lineNumber, string field, string reason) => Rejects.Enqueue((lineNumber, field, reason));

    public override void ReportBytesRead(long bytes) => Interlocked.Add(ref BytesRead, bytes);

    /// <summary>Reads every batch and returns the rows as slot→text dictionaries, plus the batch sizes.</summary>
    public async Task<(List<Dictionary<int, string>> Rows, List<int> BatchSizes, List<long> Lines)> ReadAllAsync(ISourceConnector source)
    {
        var rows = new List<Dictionary<int, string>>();
        var sizes = new List<int>();
        var lines = new List<long>();
        await foreach (var batch in source.ReadAsync(this, TestContext.Current.CancellationToken))
        {
            sizes.Add(batch.Count);
            for (var r = 0; r < batch.Count; r++)
            {
                lines.Add(batch.GetLineNumber(r));
                var row = new Dictionary<int, string>();
                for (var s = 0; s < batch.SlotCount; s++)
                {
                    var f = batch.GetField(r, s);
                    if (!f.IsEmpty)
                    {
                        row[s] = Encoding.UTF8.GetString(f);
                    }
                }

                rows.Add(row);
            }
        }

        return (rows, sizes, lines);
    }
}
