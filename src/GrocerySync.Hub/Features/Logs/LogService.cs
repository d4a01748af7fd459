using System.Globalization;
using System.Runtime.CompilerServices;
using GrocerySync.Contracts;
using GrocerySync.Hub.Api;
using GrocerySync.Hub.Data;
using Microsoft.EntityFrameworkCore;

namespace GrocerySync.Hub.Features.Logs;

/// <summary>The whole run log as a download: a file name and its lines, read from the database as they are written.</summary>
internal sealed record RunLogFile(string FileName, IAsyncEnumerable<string> Lines);

/// <summary>
/// Reads the log. Lines are paged by id (keyset), never by offset or count: with millions of lines an
/// offset scans everything before it, and a count scans everything.
/// </summary>
internal sealed class LogService(HubDbContext db)
{
    public async Task<Outcome<LogPage>> ListAsync(LogQuery query, CancellationToken ct)
    {
        if (query.After is not null && query.Before is not null)
        {
            return Outcome.Invalid("before", "Use either 'after' (oldest first) or 'before' (newest first), not both.");
        }

        var lines = db.LogEntries.AsNoTracking();
        if (query.RetailerId is { } retailerId)
        {
            lines = lines.Where(e => e.RetailerId == retailerId);
        }

        if (query.Level is { } level)
        {
            // A constant, not a parameter: the planner can then use the warnings-only partial index for Warning and above.
            lines = lines.Where(e => e.Level >= EF.Constant(level));
        }

        if (query.AgentId is { } agentId)
        {
            lines = lines.Where(e => e.AgentId == agentId);
        }

        if (query.RunId is { } runId)
        {
            lines = lines.Where(e => e.JobRunId == runId);
        }

        if (!string.IsNullOrEmpty(query.Text))
        {
            var text = query.Text.ToLower();
            lines = lines.Where(e => e.Message.ToLower().Contains(text));
        }

        if (query.From is { } from)
        {
            lines = lines.Where(e => e.Timestamp >= from);
        }

        if (query.To is { } to)
        {
            lines = lines.Where(e => e.Timestamp < to);
        }

        var newestFirst = query.Before is not null;
        if (query.After is { } after)
        {
            lines = lines.Where(e => e.Id > after);
        }

        if (query.Before is { } before)
        {
            lines = lines.Where(e => e.Id < before);
        }

        var limit = query.Limit ?? LogQuery.DefaultLimit;
        var ordered = newestFirst ? lines.OrderByDescending(e => e.Id) : lines.OrderBy(e => e.Id);

        // One line more than asked says whether there is a next page, without counting.
        var items = await ordered
            .Take(limit + 1)
            .Select(e => new LogEntryDto(e.Id, e.RetailerId, e.AgentId, e.JobRunId, e.Timestamp, e.Level, e.Category, e.Message,
                e.Properties == null ? null : JsonSettings.Parse(e.Properties)))
            .ToListAsync(ct);
        var more = items.Count > limit;
        if (more)
        {
            items.RemoveAt(limit);
        }

        var cursor = more ? items[^1].Id : (long?)null;
        return new LogPage(items, newestFirst ? null : cursor, newestFirst ? cursor : null);
    }

    /// <summary>The run's whole log, one line per entry; another tenant's run is not found.</summary>
    public async Task<Outcome<RunLogFile>> GetRunLogAsync(Guid runId, CancellationToken ct)
    {
        if (!await db.JobRuns.AnyAsync(r => r.Id == runId, ct))
        {
            return Outcome.NotFound;
        }

        return new RunLogFile($"run-{runId}.log", ReadRunLogAsync(runId, ct));
    }

    private async IAsyncEnumerable<string> ReadRunLogAsync(Guid runId, [EnumeratorCancellation] CancellationToken ct)
    {
        var entries = db.LogEntries.AsNoTracking()
            .Where(e => e.JobRunId == runId)
            .OrderBy(e => e.Id)
            .Select(e => new { e.Timestamp, e.Level, e.Category, e.Message })
            .AsAsyncEnumerable()
            .WithCancellation(ct);
        await foreach (var e in entries)
        {
            yield return FormatLine(e.Timestamp, e.Level, e.Category, e.Message);
        }
    }

    /// <summary>
    /// <c>timestamp level category message</c>, the time in UTC. Line breaks inside a message are written as
    /// <c>\n</c> so that every entry stays one line (line-oriented tools and "line N" links rely on it).
    /// </summary>
    internal static string FormatLine(DateTimeOffset timestamp, LogSeverity level, string category, string message) =>
        string.Create(CultureInfo.InvariantCulture,
            $"{timestamp.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss.fff'Z'} {level} {category} {message.ReplaceLineEndings("\\n")}");
}
