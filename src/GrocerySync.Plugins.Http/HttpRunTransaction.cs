using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Text.Json;
using GrocerySync.Plugins.Abstractions;

namespace GrocerySync.Plugins.Http;

/// <summary>
/// One run: each batch is POSTed to <c>batchUrl</c> with <c>Idempotency-Key: {runId}:{sequence}</c>; commit POSTs
/// <c>commitUrl</c> with <c>{runId}:commit</c>; rollback POSTs <c>abortUrl</c> with <c>{runId}:abort</c>. Without a
/// <c>commitUrl</c> the receiver makes every batch live on arrival, so the batches are spooled to a temporary file and
/// sent only at commit: a run the engine rolls back (the guard rail, a failed source, a cancellation) sends nothing.
/// </summary>
internal sealed class HttpRunTransaction(HttpSender sender, HttpDestinationOptions options, DestinationContext context) : IDestinationTransaction
{
    private const string JsonType = "application/json";
    private const int SpoolHeaderSize = 17; // sequence (8), record count (4), body length (4), is last (1)
    private readonly string _run = context.RunId.ToString("N");
    private readonly ArrayBufferWriter<byte> _body = new(1 << 16);
    private readonly byte[] _spoolHeader = new byte[SpoolHeaderSize];
    private FileStream? _spool;
    private long _batches;
    private long _records;
    private bool _done;

    public async ValueTask WriteAsync(DestinationBatch batch, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_done, this);
        _body.ResetWrittenCount();
        if (options.RawBody)
        {
            _body.Write(batch.Data.Span);
        }
        else
        {
            WriteEnvelope(batch);
        }

        if (options.CommitUrl is null)
        {
            await SpoolAsync(batch, cancellationToken);
            return;
        }

        // The body is sent before this returns, so batch.Data may be reused by the engine afterwards.
        await SendAsync(batch.Sequence, batch.IsLast, batch.RecordCount, cancellationToken);
    }

    public async Task CommitAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_done, this);
        if (options.CommitUrl is { } commit)
        {
            var body = Summary(includeCounts: true);
            using var response = await sender.PostAsync(commit, body, JsonType, $"{_run}:commit", [new("X-GrocerySync-Run", _run)], "Commit", cancellationToken);
        }
        else if (_spool is { } spool)
        {
            await SendSpooledAsync(spool, cancellationToken);
        }

        _done = true;
        await DisposeSpoolAsync();
    }

    public async Task RollbackAsync(CancellationToken cancellationToken)
    {
        if (_done)
        {
            return;
        }

        _done = true;
        await DisposeSpoolAsync();
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

    private async Task SendAsync(long sequence, bool isLast, int recordCount, CancellationToken cancellationToken)
    {
        var sequenceText = sequence.ToString(CultureInfo.InvariantCulture);
        List<KeyValuePair<string, string>> headers =
        [
            new("X-GrocerySync-Job", context.JobId),
            new("X-GrocerySync-Run", _run),
            new("X-GrocerySync-Sequence", sequenceText),
            new("X-GrocerySync-Last", isLast ? "true" : "false"),
            new("X-GrocerySync-Delta", context.IsDelta ? "true" : "false"),
        ];

        using var response = await sender.PostAsync(options.BatchUrl, _body.WrittenMemory, options.RawBody ? context.ContentType : JsonType, $"{_run}:{sequenceText}", headers, $"Batch {sequenceText}", cancellationToken);
        _batches++;
        _records += recordCount;
    }

    /// <summary>Appends the batch body in <see cref="_body"/> to the spool, behind its sequence, record count, length and last flag.</summary>
    private async Task SpoolAsync(DestinationBatch batch, CancellationToken cancellationToken)
    {
        _spool ??= OpenSpool();
        BinaryPrimitives.WriteInt64LittleEndian(_spoolHeader, batch.Sequence);
        BinaryPrimitives.WriteInt32LittleEndian(_spoolHeader.AsSpan(8), batch.RecordCount);
        BinaryPrimitives.WriteInt32LittleEndian(_spoolHeader.AsSpan(12), _body.WrittenCount);
        _spoolHeader[16] = batch.IsLast ? (byte)1 : (byte)0;
        await _spool.WriteAsync(_spoolHeader, cancellationToken);
        await _spool.WriteAsync(_body.WrittenMemory, cancellationToken);
    }

    /// <summary>
    /// A temporary file only this process can read (the catalog is the retailer's data) that is gone once the run ends,
    /// even if the process is killed: on Linux and macOS it is unlinked as soon as it is open, on Windows deleted when
    /// its handle closes.
    /// </summary>
    private FileStream OpenSpool()
    {
        var path = Path.Combine(Path.GetTempPath(), $"gs-http-{_run}.spool");
        var open = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.ReadWrite, Share = FileShare.None, BufferSize = 1 << 16 };
        if (OperatingSystem.IsWindows())
        {
            open.Options = FileOptions.Asynchronous | FileOptions.DeleteOnClose;
            return new FileStream(path, open);
        }

        open.Options = FileOptions.Asynchronous;
        open.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        var spool = new FileStream(path, open);
        File.Delete(path);
        return spool;
    }

    /// <summary>Sends the spooled batches in order (each with its own idempotency key, retried as any batch).</summary>
    private async Task SendSpooledAsync(FileStream spool, CancellationToken cancellationToken)
    {
        await spool.FlushAsync(cancellationToken);
        spool.Position = 0;
        while (spool.Position < spool.Length)
        {
            await spool.ReadExactlyAsync(_spoolHeader, cancellationToken);
            var length = BinaryPrimitives.ReadInt32LittleEndian(_spoolHeader.AsSpan(12));
            _body.ResetWrittenCount();
            await spool.ReadExactlyAsync(_body.GetMemory(length)[..length], cancellationToken);
            _body.Advance(length);
            await SendAsync(
                BinaryPrimitives.ReadInt64LittleEndian(_spoolHeader), _spoolHeader[16] == 1, BinaryPrimitives.ReadInt32LittleEndian(_spoolHeader.AsSpan(8)), cancellationToken);
        }
    }

    private async ValueTask DisposeSpoolAsync()
    {
        if (_spool is { } spool)
        {
            _spool = null;
            await spool.DisposeAsync();
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
