using System.Globalization;
using System.Text;
using System.Text.Json;
using GrocerySync.Agent.Configuration;
using GrocerySync.Contracts;
using GrocerySync.Contracts.Agents;
using Microsoft.Data.Sqlite;

namespace GrocerySync.Agent.Outbox;

/// <summary>What is waiting in the outbox.</summary>
internal sealed record OutboxCounts(long Events, long LogLines, long Bytes, long DroppedLines);

/// <summary>
/// The store-and-forward outbox: every run event and log line is written here first (SQLite, WAL,
/// <c>synchronous=FULL</c>: a committed item survives a crash or power cut) and numbered 1, 2, 3… per outbox;
/// delivery reads items in sequence order and deletes them only up to the sequence the hub acknowledged, so
/// nothing is lost and a resent batch is applied once by the hub.
/// </summary>
/// <remarks>
/// Disk use is capped (<see cref="AgentOptions.OutboxMaxBytes"/>, counted in stored payload bytes). When an item
/// does not fit, the oldest Debug/Information lines go first, then the oldest agent-level (no run) warnings and
/// errors; run events and a run's Warning+ lines are never dropped. Dropped lines are counted and reported with the
/// next log batch. Items in a batch that is on its way to the hub are never dropped or coalesced.
/// A run's undelivered progress event is replaced by its newer one (only the latest counts matter), which keeps a
/// long outage from filling the disk with progress.
/// </remarks>
internal sealed class AgentOutbox : IAsyncDisposable
{
    /// <summary><c>PRAGMA user_version</c> of the current schema (history in <see cref="AgentState"/>).</summary>
    public const int SchemaVersion = 2;

    /// <summary>Bytes counted per row on top of its payload (keys, columns, page overhead; an estimate).</summary>
    private const int RowOverhead = 64;

    private readonly SqliteConnection _db;
    private readonly SemaphoreSlim _lock = new(1, 1);
    private readonly SemaphoreSlim _available = new(0, 1);
    private readonly long _maxBytes;
    private long _totalBytes;
    private long _eventsInFlightUpTo;
    private long _logsInFlightUpTo;

    private AgentOutbox(SqliteConnection db, long maxBytes)
    {
        _db = db;
        _maxBytes = maxBytes;
    }

    public long TotalBytes => Interlocked.Read(ref _totalBytes);

    /// <summary>Opens (creating or migrating) the outbox database.</summary>
    /// <exception cref="AgentFailure">The database was written by a newer agent.</exception>
    public static async Task<AgentOutbox> OpenAsync(string path, long maxBytes, CancellationToken cancellationToken)
    {
        var db = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadWriteCreate, Pooling = false }.ToString());
        try
        {
            await db.OpenAsync(cancellationToken);
            await ExecAsync(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA journal_size_limit=4194304; PRAGMA busy_timeout=5000;", cancellationToken);
            await MigrateAsync(db, path, cancellationToken);
            foreach (var file in new[] { path, path + "-wal", path + "-shm" })
            {
                SecureFiles.RestrictFile(file);
            }

            var outbox = new AgentOutbox(db, maxBytes);
            outbox._totalBytes = await ScalarAsync(db, "SELECT (SELECT COALESCE(SUM(bytes), 0) FROM events) + (SELECT COALESCE(SUM(bytes), 0) FROM logs)", cancellationToken);
            return outbox;
        }
        catch
        {
            await db.DisposeAsync();
            throw;
        }
    }

    /// <summary>Counts the items of an outbox database without opening it for writing (for <c>gsagent status</c>).</summary>
    public static async Task<OutboxCounts?> CountFileAsync(string path, CancellationToken cancellationToken)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        await using var db = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadWrite, Pooling = false }.ToString());
        await db.OpenAsync(cancellationToken);
        if (await ScalarAsync(db, "PRAGMA user_version", cancellationToken) < 1)
        {
            return new OutboxCounts(0, 0, 0, 0);
        }

        return await CountAsync(db, cancellationToken);
    }

    /// <summary>Completes when an item was added since the last call, or after <paramref name="timeout"/>.</summary>
    public async Task WaitForItemsAsync(TimeSpan timeout, CancellationToken cancellationToken) =>
        await _available.WaitAsync(timeout, cancellationToken);

    /// <summary>Stores a run event durably and returns its sequence.</summary>
    public async Task<long> AppendEventAsync(RunEvent runEvent, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(runEvent);
        var payload = JsonSerializer.Serialize(runEvent with { Sequence = 0 }, AgentJson.Default.RunEvent);
        var bytes = Encoding.UTF8.GetByteCount(payload) + RowOverhead;
        await _lock.WaitAsync(cancellationToken);
        try
        {
            await using var tx = (SqliteTransaction)await _db.BeginTransactionAsync(cancellationToken);
            if (runEvent.Kind == RunEventKind.Progress)
            {
                // Only the newest progress of a run matters; an older one not yet on its way is replaced.
                var freed = await ScalarAsync(_db, tx, "SELECT COALESCE(SUM(bytes), 0) FROM events WHERE run_id = $run AND kind = $kind AND seq > $inflight", cancellationToken,
                    ("$run", runEvent.RunId.ToString("D")), ("$kind", (int)RunEventKind.Progress), ("$inflight", _eventsInFlightUpTo));
                await ExecAsync(_db, tx, "DELETE FROM events WHERE run_id = $run AND kind = $kind AND seq > $inflight", cancellationToken,
                    ("$run", runEvent.RunId.ToString("D")), ("$kind", (int)RunEventKind.Progress), ("$inflight", _eventsInFlightUpTo));
                _totalBytes -= freed;
            }

            await MakeRoomAsync(tx, bytes, cancellationToken);
            var seq = await ScalarAsync(_db, tx, "INSERT INTO events (run_id, kind, payload, bytes) VALUES ($run, $kind, $payload, $bytes) RETURNING seq", cancellationToken,
                ("$run", runEvent.RunId.ToString("D")), ("$kind", (int)runEvent.Kind), ("$payload", payload), ("$bytes", bytes));
            await tx.CommitAsync(cancellationToken);
            _totalBytes += bytes;
            Signal();
            return seq;
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>Stores log lines (in one transaction), dropping old information lines when the disk cap is reached.</summary>
    public async Task AppendLogsAsync(IReadOnlyList<AgentLogLine> lines, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(lines);
        if (lines.Count == 0)
        {
            return;
        }

        var rows = lines.Select(l =>
        {
            var payload = JsonSerializer.Serialize(l with { Sequence = 0 }, AgentJson.Default.AgentLogLine);
            return (Line: l, Payload: payload, Bytes: (long)Encoding.UTF8.GetByteCount(payload) + RowOverhead);
        }).ToList();

        await _lock.WaitAsync(cancellationToken);
        try
        {
            await using var tx = (SqliteTransaction)await _db.BeginTransactionAsync(cancellationToken);
            var need = rows.Sum(r => r.Bytes);
            await MakeRoomAsync(tx, need, cancellationToken);
            long dropped = 0;
            await using var insert = Command(_db, tx, "INSERT INTO logs (run_id, level, payload, bytes) VALUES ($run, $level, $payload, $bytes)");
            var pRun = insert.Parameters.Add("$run", SqliteType.Text);
            var pLevel = insert.Parameters.Add("$level", SqliteType.Integer);
            var pPayload = insert.Parameters.Add("$payload", SqliteType.Text);
            var pBytes = insert.Parameters.Add("$bytes", SqliteType.Integer);
            foreach (var (line, payload, bytes) in rows)
            {
                if (_totalBytes + bytes > _maxBytes && IsDroppable(line.Level))
                {
                    dropped++;
                    continue;
                }

                pRun.Value = line.RunId is { } r ? r.ToString("D") : DBNull.Value;
                pLevel.Value = (int)line.Level;
                pPayload.Value = payload;
                pBytes.Value = bytes;
                await insert.ExecuteNonQueryAsync(cancellationToken);
                _totalBytes += bytes;
            }

            if (dropped > 0)
            {
                await AddDroppedAsync(tx, dropped, cancellationToken);
            }

            await tx.CommitAsync(cancellationToken);
            Signal();
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>Counts lines dropped before they reached the outbox (the in-memory queue overflowed).</summary>
    public async Task AddDroppedLinesAsync(long count, CancellationToken cancellationToken)
    {
        await _lock.WaitAsync(cancellationToken);
        try
        {
            await using var tx = (SqliteTransaction)await _db.BeginTransactionAsync(cancellationToken);
            await AddDroppedAsync(tx, count, cancellationToken);
            await tx.CommitAsync(cancellationToken);
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>The oldest events, in sequence order; they stay until acknowledged and are never dropped meanwhile.</summary>
    public async Task<IReadOnlyList<RunEvent>> PeekEventsAsync(int max, CancellationToken cancellationToken)
    {
        await _lock.WaitAsync(cancellationToken);
        try
        {
            var list = new List<RunEvent>();
            await using var cmd = Command(_db, null, "SELECT seq, payload FROM events ORDER BY seq LIMIT $max", ("$max", max));
            await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var e = JsonSerializer.Deserialize(reader.GetString(1), AgentJson.Default.RunEvent)!;
                list.Add(e with { Sequence = reader.GetInt64(0) });
            }

            _eventsInFlightUpTo = list.Count == 0 ? 0 : list[^1].Sequence;
            return list;
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>The oldest log lines and the count of lines dropped since the last delivered batch.</summary>
    public async Task<(IReadOnlyList<AgentLogLine> Lines, long Dropped)> PeekLogsAsync(int max, CancellationToken cancellationToken)
    {
        await _lock.WaitAsync(cancellationToken);
        try
        {
            var list = new List<AgentLogLine>();
            await using (var cmd = Command(_db, null, "SELECT seq, payload FROM logs ORDER BY seq LIMIT $max", ("$max", max)))
            {
                await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
                while (await reader.ReadAsync(cancellationToken))
                {
                    var l = JsonSerializer.Deserialize(reader.GetString(1), AgentJson.Default.AgentLogLine)!;
                    list.Add(l with { Sequence = reader.GetInt64(0) });
                }
            }

            _logsInFlightUpTo = list.Count == 0 ? 0 : list[^1].Sequence;
            var dropped = await ScalarAsync(_db, null, "SELECT COALESCE((SELECT value FROM meta WHERE key = 'dropped_lines'), 0)", cancellationToken);
            return (list, dropped);
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>Deletes events up to the hub's acknowledged sequence.</summary>
    public Task AcknowledgeEventsAsync(long acknowledged, CancellationToken cancellationToken) =>
        AcknowledgeAsync("events", acknowledged, 0, cancellationToken);

    /// <summary>Deletes log lines up to the acknowledged sequence and subtracts the dropped count that batch reported.</summary>
    public Task AcknowledgeLogsAsync(long acknowledged, long reportedDropped, CancellationToken cancellationToken) =>
        AcknowledgeAsync("logs", acknowledged, reportedDropped, cancellationToken);

    /// <summary>A delivery attempt ended without an answer: its items may be dropped or coalesced again.</summary>
    public void EndDelivery(bool logs)
    {
        if (logs)
        {
            _logsInFlightUpTo = 0;
        }
        else
        {
            _eventsInFlightUpTo = 0;
        }
    }

    /// <summary>The highest sequence this outbox ever gave out (deleted items included).</summary>
    public async Task<long> LastAssignedAsync(bool logs, CancellationToken cancellationToken)
    {
        await _lock.WaitAsync(cancellationToken);
        try
        {
            return await ScalarAsync(_db, null, "SELECT COALESCE((SELECT seq FROM sqlite_sequence WHERE name = $t), 0)", cancellationToken, ("$t", logs ? "logs" : "events"));
        }
        finally
        {
            _lock.Release();
        }
    }

    public async Task<OutboxCounts> CountAsync(CancellationToken cancellationToken)
    {
        await _lock.WaitAsync(cancellationToken);
        try
        {
            return await CountAsync(_db, cancellationToken);
        }
        finally
        {
            _lock.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _lock.WaitAsync();
        try
        {
            await _db.DisposeAsync();
        }
        finally
        {
            _lock.Release();
            _lock.Dispose();
            _available.Dispose();
        }
    }

    private static bool IsDroppable(LogSeverity level) => level <= LogSeverity.Information;

    private void Signal()
    {
        if (_available.CurrentCount == 0)
        {
            try
            {
                _available.Release();
            }
            catch (SemaphoreFullException)
            {
                // Another writer signalled first: one pending signal is enough.
            }
        }
    }

    private async Task AcknowledgeAsync(string table, long acknowledged, long reportedDropped, CancellationToken cancellationToken)
    {
        await _lock.WaitAsync(cancellationToken);
        try
        {
            await using var tx = (SqliteTransaction)await _db.BeginTransactionAsync(cancellationToken);
            var freed = await ScalarAsync(_db, tx, $"SELECT COALESCE(SUM(bytes), 0) FROM {table} WHERE seq <= $ack", cancellationToken, ("$ack", acknowledged));
            await ExecAsync(_db, tx, $"DELETE FROM {table} WHERE seq <= $ack", cancellationToken, ("$ack", acknowledged));
            if (reportedDropped > 0)
            {
                await ExecAsync(_db, tx, "UPDATE meta SET value = MAX(0, value - $n) WHERE key = 'dropped_lines'", cancellationToken, ("$n", reportedDropped));
            }

            await tx.CommitAsync(cancellationToken);
            _totalBytes -= freed;
        }
        finally
        {
            EndDelivery(table == "logs");
            _lock.Release();
        }
    }

    /// <summary>Frees room for <paramref name="need"/> bytes: oldest Debug/Information lines first, then agent-level warnings.</summary>
    private async Task MakeRoomAsync(SqliteTransaction tx, long need, CancellationToken cancellationToken)
    {
        if (_totalBytes + need <= _maxBytes)
        {
            return;
        }

        var tiers = new[]
        {
            string.Create(CultureInfo.InvariantCulture, $"level <= {(int)LogSeverity.Information}"),
            "run_id IS NULL",
        };
        foreach (var tier in tiers)
        {
            var excess = _totalBytes + need - _maxBytes;
            if (excess <= 0)
            {
                return;
            }

            // Walk the oldest candidates until enough is freed, then delete up to that one.
            long freed = 0, count = 0, boundary = 0;
            await using (var cmd = Command(_db, tx, $"SELECT seq, bytes FROM logs WHERE {tier} AND seq > $inflight ORDER BY seq", ("$inflight", _logsInFlightUpTo)))
            {
                await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
                while (freed < excess && await reader.ReadAsync(cancellationToken))
                {
                    boundary = reader.GetInt64(0);
                    freed += reader.GetInt64(1);
                    count++;
                }
            }

            if (count == 0)
            {
                continue;
            }

            await ExecAsync(_db, tx, $"DELETE FROM logs WHERE {tier} AND seq > $inflight AND seq <= $boundary", cancellationToken, ("$inflight", _logsInFlightUpTo), ("$boundary", boundary));
            await AddDroppedAsync(tx, count, cancellationToken);
            _totalBytes -= freed;
        }
    }

    private Task AddDroppedAsync(SqliteTransaction tx, long count, CancellationToken cancellationToken) =>
        ExecAsync(_db, tx, "INSERT INTO meta (key, value) VALUES ('dropped_lines', $n) ON CONFLICT (key) DO UPDATE SET value = value + $n", cancellationToken, ("$n", count));

    private static async Task<OutboxCounts> CountAsync(SqliteConnection db, CancellationToken cancellationToken)
    {
        var events = await ScalarAsync(db, "SELECT COUNT(*) FROM events", cancellationToken);
        var logs = await ScalarAsync(db, "SELECT COUNT(*) FROM logs", cancellationToken);
        var bytes = await ScalarAsync(db, "SELECT (SELECT COALESCE(SUM(bytes), 0) FROM events) + (SELECT COALESCE(SUM(bytes), 0) FROM logs)", cancellationToken);
        var dropped = await ScalarAsync(db, "SELECT COALESCE((SELECT value FROM meta WHERE key = 'dropped_lines'), 0)", cancellationToken);
        return new OutboxCounts(events, logs, bytes, dropped);
    }

    private static async Task MigrateAsync(SqliteConnection db, string path, CancellationToken cancellationToken)
    {
        var version = await ScalarAsync(db, "PRAGMA user_version", cancellationToken);
        if (version > SchemaVersion)
        {
            throw new AgentFailure(ExitCodes.ConfigurationError, "newer-state",
                $"The outbox {path} was written by a newer agent (schema {version}); this agent reads up to schema {SchemaVersion}. Install the newer agent again.");
        }

        await using var tx = (SqliteTransaction)await db.BeginTransactionAsync(cancellationToken);
        if (version == 0)
        {
            await ExecAsync(db, tx, """
                CREATE TABLE events (seq INTEGER PRIMARY KEY AUTOINCREMENT, run_id TEXT NOT NULL, kind INTEGER NOT NULL, payload TEXT NOT NULL, bytes INTEGER NOT NULL);
                CREATE TABLE logs (seq INTEGER PRIMARY KEY AUTOINCREMENT, run_id TEXT NULL, level INTEGER NOT NULL, payload TEXT NOT NULL, bytes INTEGER NOT NULL);
                CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
                CREATE INDEX ix_logs_level ON logs (level, seq);
                CREATE INDEX ix_events_run ON events (run_id, kind);
                """, cancellationToken);
        }
        else if (version == 1)
        {
            // 1 → 2: sizes for the disk cap, the dropped-lines counter, indexes for dropping and coalescing.
            await ExecAsync(db, tx, string.Create(CultureInfo.InvariantCulture, $"""
                ALTER TABLE events ADD COLUMN bytes INTEGER NOT NULL DEFAULT 0;
                ALTER TABLE logs ADD COLUMN bytes INTEGER NOT NULL DEFAULT 0;
                UPDATE events SET bytes = length(CAST(payload AS BLOB)) + {RowOverhead};
                UPDATE logs SET bytes = length(CAST(payload AS BLOB)) + {RowOverhead};
                CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
                CREATE INDEX ix_logs_level ON logs (level, seq);
                CREATE INDEX ix_events_run ON events (run_id, kind);
                """), cancellationToken);
        }

        if (version != SchemaVersion)
        {
            await ExecAsync(db, tx, string.Create(CultureInfo.InvariantCulture, $"PRAGMA user_version = {SchemaVersion}"), cancellationToken);
        }

        await tx.CommitAsync(cancellationToken);
    }

    private static SqliteCommand Command(SqliteConnection db, SqliteTransaction? tx, string sql, params (string Name, object Value)[] parameters)
    {
        var cmd = db.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            cmd.Parameters.AddWithValue(name, value);
        }

        return cmd;
    }

    private static Task ExecAsync(SqliteConnection db, string sql, CancellationToken cancellationToken) => ExecAsync(db, null, sql, cancellationToken);

    private static async Task ExecAsync(SqliteConnection db, SqliteTransaction? tx, string sql, CancellationToken cancellationToken, params (string Name, object Value)[] parameters)
    {
        await using var cmd = Command(db, tx, sql, parameters);
        await cmd.ExecuteNonQueryAsync(cancellationToken);
    }

    private static Task<long> ScalarAsync(SqliteConnection db, string sql, CancellationToken cancellationToken) => ScalarAsync(db, null, sql, cancellationToken);

    private static async Task<long> ScalarAsync(SqliteConnection db, SqliteTransaction? tx, string sql, CancellationToken cancellationToken, params (string Name, object Value)[] parameters)
    {
        await using var cmd = Command(db, tx, sql, parameters);
        return Convert.ToInt64(await cmd.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
    }
}
