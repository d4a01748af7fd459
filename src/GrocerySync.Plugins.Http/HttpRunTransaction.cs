using System.Buffers;
using System.Globalization;
using System.Text.Json;
using GrocerySync.Plugins.Abstractions;

namespace GrocerySync.Plugins.Http;

/// <summary>
/// One run: each batch is POSTed to <c>batchUrl</c> with <c>Idempotency-Key: {runId}:{sequence}</c>; commit POSTs
/// <c>commitUrl</c> with <c>{runId}:commit</c>; rollback POSTs <c>abortUrl</c> with <c>{runId}:abort</c>.
/// </summary>
internal sealed class HttpRunTransaction(HttpSender sender, HttpDestinationOptions options, DestinationContext context) : IDestinationTransaction
{
    private const string JsonType = "application/json";
    private readonly string _run = context.RunId.ToString("N");
    private readonly ArrayBufferWriter<byte> _body = new(1 << 16);
    private long _batches;
    private long _records;
    private bool _done;

    public async ValueTask WriteAsync(DestinationBatch batch, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_done, this);
        _body.ResetWrittenCount();
        string contentType;
        if (options.RawBody)
        {
            _body.Write(batch.Data.Span);
            contentType = context.ContentType;
        }
        else
        {
            WriteEnvelope(batch);
            contentType = JsonType;
        }

        var sequence = batch.Sequence.ToString(CultureInfo.InvariantCulture);
        List<KeyValuePair<string, string>> headers =
        [
            new("X-GrocerySync-Job", context.JobId),
            new("X-GrocerySync-Run", _run),
            new("X-GrocerySync-Sequence", sequence),
            new("X-GrocerySync-Last", batch.IsLast ? "true" : "false"),
            new("X-GrocerySync-Delta", context.IsDelta ? "true" : "false"),
        ];

        // The body is sent before this returns, so batch.Data may be reused by the engine afterwards.
        using var response = await sender.PostAsync(options.BatchUrl, _body.WrittenMemory, contentType, $"{_run}:{sequence}", headers, $"Batch {sequence}", cancellationToken);
        _batches++;
        _records += batch.RecordCount;
    }

    public async Task CommitAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_done, this);
        if (options.CommitUrl is { } commit)
        {
            var body = Summary(includeCounts: true);
            using var response = await sender.PostAsync(commit, body, JsonType, $"{_run}:commit", [new("X-GrocerySync-Run", _run)], "Commit", cancellationToken);
        }

        _done = true;
    }

    public async Task RollbackAsync(CancellationToken cancellationToken)
    {
        if (_done)
        {
            return;
        }

        _done = true;
        if (options.AbortUrl is { } abort && _batches > 0)
        {
            try
            {
                using var response = await sender.PostAsync(abort, Summary(includeCounts: false), JsonType, $"{_run}:abort", [new("X-GrocerySync-Run", _run)], "Abort", cancellationToken);
            }
            catch (PluginException)
            {
                // Staged batches that were never committed are invisible to the channel; a receiver expires them.
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_done)
        {
            await RollbackAsync(CancellationToken.None);
        }
    }

    private void WriteEnvelope(DestinationBatch batch)
    {
        using var json = new Utf8JsonWriter(_body);
        json.WriteStartObject();
        json.WriteString("jobId", context.JobId);
        json.WriteString("runId", _run);
        json.WriteNumber("sequence", batch.Sequence);
        json.WriteBoolean("isDelta", context.IsDelta);
        json.WriteBoolean("isLast", batch.IsLast);
        json.WriteStartArray("records");
        var data = batch.Data.Span;
        var line = 0;
        while (!data.IsEmpty)
        {
            var end = data.IndexOf((byte)'\n');
            var record = end < 0 ? data : data[..end];
            data = end < 0 ? [] : data[(end + 1)..];
            line++;
            record = record.TrimEnd((byte)'\r').Trim((byte)' ');
            if (record.IsEmpty)
            {
                continue;
            }

            try
            {
                json.WriteRawValue(record);
            }
            catch (JsonException ex)
            {
                throw new PluginException($"Line {line} of batch {batch.Sequence} is not a JSON value ({ex.Message}); bodyFormat 'json' needs JSON Lines output.", ex);
            }
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    private byte[] Summary(bool includeCounts)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("jobId", context.JobId);
            json.WriteString("runId", _run);
            json.WriteBoolean("isDelta", context.IsDelta);
            if (includeCounts)
            {
                json.WriteNumber("batchCount", _batches);
                json.WriteNumber("recordCount", _records);
            }

            json.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }
}
