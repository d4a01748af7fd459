using System.Runtime.InteropServices;
using GrocerySync.Contracts;
using GrocerySync.Hub.Data;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;
using NpgsqlTypes;

namespace GrocerySync.Hub.Features.Logs;

/// <summary>One log line as it is stored.</summary>
internal readonly record struct LogRow(Guid RetailerId, Guid? AgentId, Guid? RunId, DateTimeOffset Timestamp, LogSeverity Level, string Category, string Message, string? Properties);

/// <summary>
/// The one way log lines are written, in bulk: PostgreSQL binary COPY, SQLite one prepared insert. Each write reserves
/// a block of line ids and gives each retailer and agent's lines consecutive ids in it, in the order given; it records
/// each such range as a <see cref="Data.Entities.LogSegment"/> and, within it, each run's first to last line as a
/// <see cref="Data.Entities.LogRunRange"/>. The lines table then needs no per-line index by run, agent or time: the
/// readers (LogService, RetentionSweeper) find the ranges and read them by primary key.
/// </summary>
internal static class LogWriter
{
    /// <summary>
    /// Ids one PostgreSQL reservation spans: the <c>LogEntryIds</c> sequence steps by this much, so one
    /// <c>nextval</c> reserves a block no other writer touches. A write of more rows reserves several blocks.
    /// </summary>
    public const int IdBlock = 32_768;

    public const string IdSequence = "LogEntryIds";

    /// <summary>Writes the rows inside the context's transaction (or one of its own); returns their ids, in the order given.</summary>
    public static async Task<long[]> WriteAsync(HubDbContext db, IReadOnlyList<LogRow> rows, CancellationToken ct)
    {
        var ids = new long[rows.Count];
        if (rows.Count == 0)
        {
            return ids;
        }

        await using var owned = db.Database.CurrentTransaction is null ? await db.Database.BeginTransactionAsync(ct) : null;
        var postgres = db.Database.IsNpgsql();
        for (var start = 0; start < rows.Count; start += IdBlock)
        {
            var count = Math.Min(IdBlock, rows.Count - start);
            var order = GroupedOrder(rows, start, count);
            var firstId = postgres ? await ReservePostgresAsync(db, ct) : await ReserveSqliteAsync(db, ct);
            for (var i = 0; i < order.Length; i++)
            {
                ids[order[i]] = firstId + i;
            }

            var (segments, runs) = Ranges(rows, order, ids);
            if (postgres)
            {
                await CopyPostgresAsync(db, rows, order, ids, segments, runs, ct);
            }
            else
            {
                await InsertSqliteAsync(db, rows, order, ids, segments, runs, ct);
            }
        }

        if (owned is not null)
        {
            await owned.CommitAsync(ct);
        }

        return ids;
    }

    /// <summary>Indexes of rows[start..start+count], each retailer and agent's together, in order of first appearance and otherwise as given.</summary>
    private static int[] GroupedOrder(IReadOnlyList<LogRow> rows, int start, int count)
    {
        var groups = new Dictionary<(Guid, Guid?), List<int>>();
        var firstSeen = new List<List<int>>();
        for (var i = start; i < start + count; i++)
        {
            ref var group = ref CollectionsMarshal.GetValueRefOrAddDefault(groups, (rows[i].RetailerId, rows[i].AgentId), out var exists);
            if (!exists)
            {
                group = [];
                firstSeen.Add(group);
            }

            group!.Add(i);
        }

        return [.. firstSeen.SelectMany(g => g)];
    }

    private static (List<Segment> Segments, List<RunRange> Runs) Ranges(IReadOnlyList<LogRow> rows, int[] order, long[] ids)
    {
        var segments = new List<Segment>();
        var runs = new List<RunRange>();
        var open = new Dictionary<Guid, int>();
        foreach (var index in order)
        {
            var (row, id) = (rows[index], ids[index]);
            if (segments.Count > 0 && segments[^1] is var segment && (segment.RetailerId, segment.AgentId) == (row.RetailerId, row.AgentId))
            {
                segments[^1] = segment with
                {
                    LastLineId = id,
                    FirstTimestamp = row.Timestamp < segment.FirstTimestamp ? row.Timestamp : segment.FirstTimestamp,
                    LastTimestamp = row.Timestamp > segment.LastTimestamp ? row.Timestamp : segment.LastTimestamp,
                };
            }
            else
            {
                segments.Add(new Segment(row.RetailerId, row.AgentId, id, id, row.Timestamp, row.Timestamp));
                open.Clear();
            }

            if (row.RunId is { } run)
            {
                if (open.TryGetValue(run, out var at))
                {
                    runs[at] = runs[at] with { LastLineId = id };
                }
                else
                {
                    open[run] = runs.Count;
                    runs.Add(new RunRange(run, row.RetailerId, id, id, segments.Count - 1));
                }
            }
        }

        return (segments, runs);
    }

    private static async Task<long> ReservePostgresAsync(HubDbContext db, CancellationToken ct)
    {
        await using var command = db.Database.GetDbConnection().CreateCommand();
        command.CommandText = $"""SELECT nextval('"{IdSequence}"')""";
        return (long)(await command.ExecuteScalarAsync(ct))!;
    }

    /// <summary>
    /// SQLite has one writer at a time: inside the write transaction, the ids past the highest ever used are free. The
    /// AUTOINCREMENT counter remembers it even when retention has deleted the newest lines, so no id is used twice.
    /// </summary>
    private static async Task<long> ReserveSqliteAsync(HubDbContext db, CancellationToken ct)
    {
        await using var command = db.Database.GetDbConnection().CreateCommand();
        command.Transaction = db.Database.CurrentTransaction!.GetDbTransaction();
        command.CommandText = """SELECT coalesce((SELECT "seq" FROM "sqlite_sequence" WHERE "name" = 'LogEntries'), 0) + 1""";
        return (long)(await command.ExecuteScalarAsync(ct))!;
    }

    private static async Task CopyPostgresAsync(HubDbContext db, IReadOnlyList<LogRow> rows, int[] order, long[] ids, List<Segment> segments, List<RunRange> runs,
        CancellationToken ct)
    {
        var connection = (NpgsqlConnection)db.Database.GetDbConnection();
        await using (var copy = await connection.BeginBinaryImportAsync(
            """COPY "LogEntries" ("Id", "RetailerId", "AgentId", "JobRunId", "Timestamp", "Level", "Category", "Message", "Properties") FROM STDIN (FORMAT BINARY)""", ct))
        {
            foreach (var index in order)
            {
                var row = rows[index];
                await copy.StartRowAsync(ct);
                await copy.WriteAsync(ids[index], NpgsqlDbType.Bigint, ct);
                await copy.WriteAsync(row.RetailerId, NpgsqlDbType.Uuid, ct);
                await WriteNullableAsync(copy, row.AgentId, ct);
                await WriteNullableAsync(copy, row.RunId, ct);
                await copy.WriteAsync(row.Timestamp.UtcDateTime, NpgsqlDbType.TimestampTz, ct);
                await copy.WriteAsync((int)row.Level, NpgsqlDbType.Integer, ct);
                await copy.WriteAsync(row.Category, NpgsqlDbType.Varchar, ct);
                await copy.WriteAsync(row.Message, NpgsqlDbType.Varchar, ct);
                if (row.Properties is null)
                {
                    await copy.WriteNullAsync(ct);
                }
                else
                {
                    await copy.WriteAsync(row.Properties, NpgsqlDbType.Text, ct);
                }
            }

            await copy.CompleteAsync(ct);
        }

        await using (var copy = await connection.BeginBinaryImportAsync(
            """COPY "LogSegments" ("RetailerId", "LastLineId", "FirstLineId", "AgentId", "FirstTimestamp", "LastTimestamp") FROM STDIN (FORMAT BINARY)""", ct))
        {
            foreach (var segment in segments)
            {
                await copy.StartRowAsync(ct);
                await copy.WriteAsync(segment.RetailerId, NpgsqlDbType.Uuid, ct);
                await copy.WriteAsync(segment.LastLineId, NpgsqlDbType.Bigint, ct);
                await copy.WriteAsync(segment.FirstLineId, NpgsqlDbType.Bigint, ct);
                await WriteNullableAsync(copy, segment.AgentId, ct);
                await copy.WriteAsync(segment.FirstTimestamp.UtcDateTime, NpgsqlDbType.TimestampTz, ct);
                await copy.WriteAsync(segment.LastTimestamp.UtcDateTime, NpgsqlDbType.TimestampTz, ct);
            }

            await copy.CompleteAsync(ct);
        }

        if (runs.Count == 0)
        {
            return;
        }

        await using (var copy = await connection.BeginBinaryImportAsync(
            """COPY "LogRunRanges" ("JobRunId", "LastLineId", "FirstLineId", "RetailerId", "SegmentLastLineId") FROM STDIN (FORMAT BINARY)""", ct))
        {
            foreach (var run in runs)
            {
                await copy.StartRowAsync(ct);
                await copy.WriteAsync(run.RunId, NpgsqlDbType.Uuid, ct);
                await copy.WriteAsync(run.LastLineId, NpgsqlDbType.Bigint, ct);
                await copy.WriteAsync(run.FirstLineId, NpgsqlDbType.Bigint, ct);
                await copy.WriteAsync(run.RetailerId, NpgsqlDbType.Uuid, ct);
                await copy.WriteAsync(segments[run.Segment].LastLineId, NpgsqlDbType.Bigint, ct);
            }

            await copy.CompleteAsync(ct);
        }
    }

    private static async Task InsertSqliteAsync(HubDbContext db, IReadOnlyList<LogRow> rows, int[] order, long[] ids, List<Segment> segments, List<RunRange> runs,
        CancellationToken ct)
    {
        var sqlite = (SqliteConnection)db.Database.GetDbConnection();
        var transaction = (SqliteTransaction)db.Database.CurrentTransaction!.GetDbTransaction();
        await using (var insert = sqlite.CreateCommand())
        {
            insert.Transaction = transaction;
            insert.CommandText = """
                INSERT INTO "LogEntries" ("Id", "RetailerId", "AgentId", "JobRunId", "Timestamp", "Level", "Category", "Message", "Properties")
                VALUES ($id, $retailer, $agent, $run, $timestamp, $level, $category, $message, $properties)
                """;
            var id = insert.Parameters.Add("$id", SqliteType.Integer);
            var retailer = insert.Parameters.Add("$retailer", SqliteType.Text);
            var agent = insert.Parameters.Add("$agent", SqliteType.Text);
            var run = insert.Parameters.Add("$run", SqliteType.Text);
            var timestamp = insert.Parameters.Add("$timestamp", SqliteType.Integer);
            var level = insert.Parameters.Add("$level", SqliteType.Integer);
            var category = insert.Parameters.Add("$category", SqliteType.Text);
            var message = insert.Parameters.Add("$message", SqliteType.Text);
            var properties = insert.Parameters.Add("$properties", SqliteType.Text);
            await insert.PrepareAsync(ct);
            foreach (var index in order)
            {
                var row = rows[index];
                id.Value = ids[index];
                retailer.Value = SqliteGuid(row.RetailerId);
                agent.Value = SqliteGuid(row.AgentId);
                run.Value = SqliteGuid(row.RunId);
                timestamp.Value = row.Timestamp.UtcTicks;
                level.Value = (int)row.Level;
                category.Value = row.Category;
                message.Value = row.Message;
                properties.Value = (object?)row.Properties ?? DBNull.Value;
                await insert.ExecuteNonQueryAsync(ct);
            }
        }

        await using (var insert = sqlite.CreateCommand())
        {
            insert.Transaction = transaction;
            insert.CommandText = """
                INSERT INTO "LogSegments" ("RetailerId", "LastLineId", "FirstLineId", "AgentId", "FirstTimestamp", "LastTimestamp")
                VALUES ($retailer, $last, $first, $agent, $firstTimestamp, $lastTimestamp)
                """;
            var retailer = insert.Parameters.Add("$retailer", SqliteType.Text);
            var last = insert.Parameters.Add("$last", SqliteType.Integer);
            var first = insert.Parameters.Add("$first", SqliteType.Integer);
            var agent = insert.Parameters.Add("$agent", SqliteType.Text);
            var firstTimestamp = insert.Parameters.Add("$firstTimestamp", SqliteType.Integer);
            var lastTimestamp = insert.Parameters.Add("$lastTimestamp", SqliteType.Integer);
            foreach (var segment in segments)
            {
                retailer.Value = SqliteGuid(segment.RetailerId);
                last.Value = segment.LastLineId;
                first.Value = segment.FirstLineId;
                agent.Value = SqliteGuid(segment.AgentId);
                firstTimestamp.Value = segment.FirstTimestamp.UtcTicks;
                lastTimestamp.Value = segment.LastTimestamp.UtcTicks;
                await insert.ExecuteNonQueryAsync(ct);
            }
        }

        await using (var insert = sqlite.CreateCommand())
        {
            insert.Transaction = transaction;
            insert.CommandText = """
                INSERT INTO "LogRunRanges" ("JobRunId", "LastLineId", "FirstLineId", "RetailerId", "SegmentLastLineId") VALUES ($run, $last, $first, $retailer, $segment)
                """;
            var run = insert.Parameters.Add("$run", SqliteType.Text);
            var last = insert.Parameters.Add("$last", SqliteType.Integer);
            var first = insert.Parameters.Add("$first", SqliteType.Integer);
            var retailer = insert.Parameters.Add("$retailer", SqliteType.Text);
            var segment = insert.Parameters.Add("$segment", SqliteType.Integer);
            foreach (var range in runs)
            {
                run.Value = SqliteGuid(range.RunId);
                last.Value = range.LastLineId;
                first.Value = range.FirstLineId;
                retailer.Value = SqliteGuid(range.RetailerId);
                segment.Value = segments[range.Segment].LastLineId;
                await insert.ExecuteNonQueryAsync(ct);
            }
        }
    }

    /// <summary>The same text form EF Core's SQLite provider uses for Guid columns (DateTimeOffset columns hold UTC ticks).</summary>
    private static object SqliteGuid(Guid? id) => id is { } value ? value.ToString().ToUpperInvariant() : DBNull.Value;

    private static async Task WriteNullableAsync(NpgsqlBinaryImporter copy, Guid? value, CancellationToken ct)
    {
        if (value is { } id)
        {
            await copy.WriteAsync(id, NpgsqlDbType.Uuid, ct);
        }
        else
        {
            await copy.WriteNullAsync(ct);
        }
    }

    private readonly record struct Segment(Guid RetailerId, Guid? AgentId, long FirstLineId, long LastLineId, DateTimeOffset FirstTimestamp, DateTimeOffset LastTimestamp);

    private readonly record struct RunRange(Guid RunId, Guid RetailerId, long FirstLineId, long LastLineId, int Segment);
}
