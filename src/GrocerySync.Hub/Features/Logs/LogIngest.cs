using GrocerySync.Contracts;
using GrocerySync.Contracts.Agents;
using GrocerySync.Hub.Data;
using GrocerySync.Hub.Data.Configurations;
using GrocerySync.Hub.Features.Dispatch;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;
using NpgsqlTypes;

namespace GrocerySync.Hub.Features.Logs;

/// <summary>One log line as it is stored.</summary>
internal readonly record struct LogRow(Guid RetailerId, Guid? AgentId, Guid? RunId, DateTimeOffset Timestamp, LogSeverity Level, string Category, string Message, string? Properties);

/// <summary>
/// Stores agents' log batches in bulk: PostgreSQL binary COPY, SQLite one transaction of a prepared insert. A batch is
/// applied exactly once by its outbox sequence (the cursor moves in the same transaction as the rows). Lines naming
/// a run that is not this agent's keep their text but lose the run id, so no line lands on another agent's run.
/// Lines the agent dropped (its disk cap) are recorded as one hub-written warning.
/// </summary>
internal sealed class LogIngest(HubDbContext db, TimeProvider time)
{
    public const int MaxLinesPerBatch = 20_000;
    public const string HubCategory = "GrocerySync.Hub";

    public async Task<long> IngestAsync(AgentCaller agent, LogBatch batch, CancellationToken ct)
    {
        var lines = batch.Lines.OrderBy(l => l.Sequence).ToList();
        var highest = lines.Count == 0 ? 0 : lines[^1].Sequence;
        return await OutboxCursors.InTransactionAsync(db, async token =>
        {
            var now = time.GetUtcNow();
            var claim = await OutboxCursors.ClaimAsync(db, agent.AgentId, agent.RetailerId, batch.OutboxId, highest, now, token);
            if (!claim.HasNewItems)
            {
                return claim.Highest;
            }

            var fresh = lines.Where(l => l.Sequence > claim.Previous).ToList();
            var named = fresh.Where(l => l.RunId is not null).Select(l => l.RunId!.Value).Distinct().ToList();
            var own = named.Count == 0
                ? []
                : (await db.JobRuns.AsNoTracking().Where(r => named.Contains(r.Id) && r.AgentId == agent.AgentId).Select(r => r.Id).ToListAsync(token)).ToHashSet();
            var rows = new List<LogRow>(fresh.Count + 1);
            foreach (var l in fresh)
            {
                rows.Add(new LogRow(agent.RetailerId, agent.AgentId, l.RunId is { } run && own.Contains(run) ? run : null, l.Timestamp, l.Level,
                    Clip(l.Category, Lengths.Name), Clip(l.Message, Lengths.Settings), l.Properties));
            }

            if (batch.DroppedLines > 0)
            {
                rows.Add(new LogRow(agent.RetailerId, agent.AgentId, null, now, LogSeverity.Warning, HubCategory,
                    $"The agent dropped {batch.DroppedLines} log lines: its local log buffer reached its disk cap.", null));
            }

            await WriteAsync(db, rows, token);
            return claim.Highest;
        }, ct);
    }

    /// <summary>Writes rows in bulk on the context's connection, inside its current transaction.</summary>
    public static async Task WriteAsync(HubDbContext db, IReadOnlyList<LogRow> rows, CancellationToken ct)
    {
        if (rows.Count == 0)
        {
            return;
        }

        if (db.Database.IsNpgsql())
        {
            var connection = (NpgsqlConnection)db.Database.GetDbConnection();
            await using var copy = await connection.BeginBinaryImportAsync(
                """COPY "LogEntries" ("RetailerId", "AgentId", "JobRunId", "Timestamp", "Level", "Category", "Message", "Properties") FROM STDIN (FORMAT BINARY)""", ct);
            foreach (var row in rows)
            {
                await copy.StartRowAsync(ct);
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
            return;
        }

        var sqlite = (SqliteConnection)db.Database.GetDbConnection();
        await using var insert = sqlite.CreateCommand();
        insert.Transaction = (SqliteTransaction?)db.Database.CurrentTransaction?.GetDbTransaction();
        insert.CommandText = """
            INSERT INTO "LogEntries" ("RetailerId", "AgentId", "JobRunId", "Timestamp", "Level", "Category", "Message", "Properties")
            VALUES ($retailer, $agent, $run, $timestamp, $level, $category, $message, $properties)
            """;
        var retailer = insert.Parameters.Add("$retailer", SqliteType.Text);
        var agentId = insert.Parameters.Add("$agent", SqliteType.Text);
        var runId = insert.Parameters.Add("$run", SqliteType.Text);
        var timestamp = insert.Parameters.Add("$timestamp", SqliteType.Integer);
        var level = insert.Parameters.Add("$level", SqliteType.Integer);
        var category = insert.Parameters.Add("$category", SqliteType.Text);
        var message = insert.Parameters.Add("$message", SqliteType.Text);
        var properties = insert.Parameters.Add("$properties", SqliteType.Text);
        await insert.PrepareAsync(ct);
        foreach (var row in rows)
        {
            // The same text form EF Core's SQLite provider uses for Guid and DateTimeOffset (UTC ticks) columns.
            retailer.Value = SqliteGuid(row.RetailerId);
            agentId.Value = row.AgentId is { } a ? SqliteGuid(a) : DBNull.Value;
            runId.Value = row.RunId is { } r ? SqliteGuid(r) : DBNull.Value;
            timestamp.Value = row.Timestamp.UtcTicks;
            level.Value = (int)row.Level;
            category.Value = row.Category;
            message.Value = row.Message;
            properties.Value = (object?)row.Properties ?? DBNull.Value;
            await insert.ExecuteNonQueryAsync(ct);
        }
    }

    private static string SqliteGuid(Guid id) => id.ToString().ToUpperInvariant();

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

    private static string Clip(string? text, int max) =>
        string.IsNullOrEmpty(text) ? string.Empty : text.Length <= max ? text : text[..max];
}
