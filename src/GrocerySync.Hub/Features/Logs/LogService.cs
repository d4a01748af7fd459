using System.Globalization;
using System.Runtime.CompilerServices;
using GrocerySync.Contracts;
using GrocerySync.Hub.Api;
using GrocerySync.Hub.Data;
using GrocerySync.Hub.Data.Entities;
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
    /// <summary>Ranges fetched per query when the lines are found through them.</summary>
    private const int RangesPerQuery = 32;

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

        // One line more than asked says whether there is a next page, without counting.
        var limit = query.Limit ?? LogQuery.DefaultLimit;
        var items = query is { RunId: null, AgentId: null, From: null, To: null }
            ? await ReadAsync(lines, newestFirst, limit + 1, ct)
            : await ReadThroughRangesAsync(query, lines, newestFirst, limit + 1, ct);
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

    /// <summary>
    /// The run, agent and time filters have no per-line index: their lines are found through the run's ranges or the
    /// segments that match, in line order, each read by primary key until the page is full.
    /// </summary>
    private async Task<List<LogEntryDto>> ReadThroughRangesAsync(LogQuery query, IQueryable<LogEntry> lines, bool newestFirst, int take, CancellationToken ct)
    {
        var cursor = newestFirst ? query.Before : query.After;
        var ranges = query.RunId is { } runId ? RangesAsync(RunRanges(runId), cursor, newestFirst, ct) : RangesAsync(Segments(query), cursor, newestFirst, ct);
        var items = new List<LogEntryDto>(take);
        await foreach (var r in ranges)
        {
            items.AddRange(await ReadAsync(lines.Where(e => e.RetailerId == r.RetailerId && e.Id >= r.First && e.Id <= r.Last), newestFirst, take - items.Count, ct));
            if (items.Count == take)
            {
                break;
            }
        }

        return items;
    }

    /// <summary>
    /// The line ranges in line order (they do not overlap), from the one holding the line next to
    /// <paramref name="cursor"/> on; fetched a few at a time, so that a page needs only the ranges it reads.
    /// </summary>
    private static async IAsyncEnumerable<LineRange> RangesAsync<T>(IQueryable<T> ranges, long? cursor, bool newestFirst,
        [EnumeratorCancellation] CancellationToken ct)
        where T : class, ILogLineRange
    {
        if (!newestFirst)
        {
            var past = cursor ?? long.MinValue;
            while (true)
            {
                var next = await AsLineRanges(ranges.Where(s => s.LastLineId > past).OrderBy(s => s.LastLineId).Take(RangesPerQuery)).ToListAsync(ct);
                foreach (var r in next)
                {
                    yield return r;
                }

                if (next.Count < RangesPerQuery)
                {
                    yield break;
                }

                past = next[^1].Last;
            }
        }

        // Newest first, the range holding the line just below the cursor ends at or past the cursor, so it is not
        // among those that end below it.
        var below = cursor ?? long.MaxValue;
        var holding = await AsLineRanges(ranges.Where(s => s.LastLineId >= below).OrderBy(s => s.LastLineId)).FirstOrDefaultAsync(ct);
        if (holding is not null && holding.First < below)
        {
            yield return holding;
        }

        while (true)
        {
            var next = await AsLineRanges(ranges.Where(s => s.LastLineId < below).OrderByDescending(s => s.LastLineId).Take(RangesPerQuery)).ToListAsync(ct);
            foreach (var r in next)
            {
                yield return r;
            }

            if (next.Count < RangesPerQuery)
            {
                yield break;
            }

            below = next[^1].Last;
        }
    }

    private static IQueryable<LineRange> AsLineRanges<T>(IQueryable<T> ranges)
        where T : class, ILogLineRange =>
        ranges.Select(s => new LineRange(s.RetailerId, s.FirstLineId, s.LastLineId));

    private IQueryable<LogRunRange> RunRanges(Guid runId) => db.LogRunRanges.AsNoTracking().Where(r => r.JobRunId == runId);

    private IQueryable<LogSegment> Segments(LogQuery query)
    {
        var segments = db.LogSegments.AsNoTracking();
        if (query.RetailerId is { } retailerId)
        {
            segments = segments.Where(s => s.RetailerId == retailerId);
        }

        if (query.AgentId is { } agentId)
        {
            segments = segments.Where(s => s.AgentId == agentId);
        }

        if (query.From is { } from)
        {
            segments = segments.Where(s => s.LastTimestamp >= from);
        }

        if (query.To is { } to)
        {
            segments = segments.Where(s => s.FirstTimestamp < to);
        }

        return segments;
    }

    private static Task<List<LogEntryDto>> ReadAsync(IQueryable<LogEntry> lines, bool newestFirst, int take, CancellationToken ct) =>
        (newestFirst ? lines.OrderByDescending(e => e.Id) : lines.OrderBy(e => e.Id))
            .Take(take)
            .Select(e => new LogEntryDto(e.Id, e.RetailerId, e.AgentId, e.JobRunId, e.Timestamp, e.Level, e.Category, e.Message,
                e.Properties == null ? null : JsonSettings.Parse(e.Properties)))
            .ToListAsync(ct);

    private async IAsyncEnumerable<string> ReadRunLogAsync(Guid runId, [EnumeratorCancellation] CancellationToken ct)
    {
        await foreach (var r in RangesAsync(RunRanges(runId), null, newestFirst: false, ct))
        {
            var entries = db.LogEntries.AsNoTracking()
                .Where(e => e.RetailerId == r.RetailerId && e.Id >= r.First && e.Id <= r.Last && e.JobRunId == runId)
                .OrderBy(e => e.Id)
                .Select(e => new { e.Timestamp, e.Level, e.Category, e.Message })
                .AsAsyncEnumerable()
                .WithCancellation(ct);
            await foreach (var e in entries)
            {
                yield return FormatLine(e.Timestamp, e.Level, e.Category, e.Message);
            }
        }
    }

    /// <summary>
    /// <c>timestamp level category message</c>, the time in UTC. Line breaks inside a message are written as
    /// <c>\n</c> so that every entry stays one line (line-oriented tools and "line N" links rely on it).
    /// </summary>
    internal static string FormatLine(DateTimeOffset timestamp, LogSeverity level, string category, string message) =>
        string.Create(CultureInfo.InvariantCulture,
            $"{timestamp.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss.fff'Z'} {level} {category} {message.ReplaceLineEndings("\\n")}");

    private sealed record LineRange(Guid RetailerId, long First, long Last);
}
