using GrocerySync.Contracts;
using GrocerySync.Contracts.Agents;
using GrocerySync.Hub.Data;
using GrocerySync.Hub.Data.Configurations;
using GrocerySync.Hub.Features.Dispatch;
using Microsoft.EntityFrameworkCore;

namespace GrocerySync.Hub.Features.Logs;

/// <summary>
/// Stores agents' log batches (LogWriter writes them in bulk). A batch is
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

            await LogWriter.WriteAsync(db, rows, token);
            return claim.Highest;
        }, ct);
    }

    private static string Clip(string? text, int max) =>
        string.IsNullOrEmpty(text) ? string.Empty : text.Length <= max ? text : text[..max];
}
