using System.ComponentModel.DataAnnotations;
using GrocerySync.Hub.Data;
using GrocerySync.Hub.Data.Entities;
using GrocerySync.Hub.Features.Dispatch;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace GrocerySync.Hub.Features.Logs;

/// <summary>Settings under <c>Hub:Retention</c>; the limits themselves are per retailer (Retailer.LogRetention*, RunRetentionDays).</summary>
internal sealed class RetentionOptions
{
    public const string Section = "Hub:Retention";

    /// <summary>How often the retention sweep runs.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00")]
    public TimeSpan Interval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Most rows one delete statement removes, so no sweep holds long locks.</summary>
    [Range(100, 1_000_000)]
    public int BatchSize { get; set; } = 10_000;
}

/// <summary>What one retention pass deleted.</summary>
internal readonly record struct RetentionResult(long LogLinesByAge, long LogLinesByCount, long Runs);

/// <summary>
/// Enforces each retailer's retention: log lines older than its age limit, then the oldest lines past its count
/// limit, then finished runs (with their status history) older than its run limit; deletes in batches. Deleting is
/// idempotent, so replicas sweeping at once only share the work. Logs and run history are not audited configuration:
/// what was deleted is logged.
/// </summary>
internal sealed class RetentionSweeper(IServiceScopeFactory scopes, TimeProvider time, IOptions<RetentionOptions> options, ILogger<RetentionSweeper> log)
    : PeriodicService(scopes, time, log)
{
    protected override TimeSpan Interval => options.Value.Interval;

    public RetentionResult LastPass { get; private set; }

    protected override async Task RunAsync(IServiceProvider services, HubDbContext db, CancellationToken ct)
    {
        var now = Clock.GetUtcNow();
        var batch = options.Value.BatchSize;
        var retailers = await db.Retailers.AsNoTracking().Select(r => new { r.Id, r.LogRetentionDays, r.LogRetentionMaxLines, r.RunRetentionDays }).ToListAsync(ct);
        long byAge = 0, byCount = 0, runs = 0;
        foreach (var retailer in retailers)
        {
            var id = retailer.Id;
            long age = 0, count = 0, old = 0;
            var logCutoff = now.AddDays(-retailer.LogRetentionDays);
            age = await DeleteOlderLinesAsync(db, id, logCutoff, batch, ct);

            // The newest MaxLines lines stay: everything at or below the id just past them goes.
            var keep = (int)Math.Min(retailer.LogRetentionMaxLines, int.MaxValue);
            var boundary = await db.LogEntries.AsNoTracking().Where(e => e.RetailerId == id).OrderByDescending(e => e.Id).Skip(keep).Select(e => (long?)e.Id).FirstOrDefaultAsync(ct);
            if (boundary is { } last)
            {
                count = await DeleteInBatchesAsync(() => db.LogEntries.Where(e => e.RetailerId == id && e.Id <= last).OrderBy(e => e.Id).Take(batch).ExecuteDeleteAsync(ct), batch);
            }

            // Then the segments left without lines, with their run ranges. Line ids are never reused, so a segment found
            // empty stays empty; one that a writer committed meanwhile has lines these passes did not see, and stays.
            var below = boundary ?? long.MinValue;
            await DeleteEmptySegmentsAsync(db, id, db.LogSegments.Where(s => s.RetailerId == id && (s.FirstTimestamp < logCutoff || s.FirstLineId <= below)), batch, ct);

            var runCutoff = now.AddDays(-retailer.RunRetentionDays);
            old = await DeleteInBatchesAsync(() => db.JobRuns.Where(r => r.RetailerId == id && r.FinishedAt != null && r.FinishedAt < runCutoff).OrderBy(r => r.FinishedAt).Take(batch).ExecuteDeleteAsync(ct), batch);
            if (age + count + old > 0)
            {
                HubLog.RetentionDeleted(log, id, age, count, old);
            }

            (byAge, byCount, runs) = (byAge + age, byCount + count, runs + old);
        }

        LastPass = new RetentionResult(byAge, byCount, runs);
    }

    /// <summary>
    /// Lines older than the cutoff, found through the segments (there is no per-line time index): the retailer's
    /// segments are read in line order, those that start before the cutoff merged into spans of neighbours, and each
    /// span's old lines deleted by primary key range.
    /// </summary>
    private static async Task<long> DeleteOlderLinesAsync(HubDbContext db, Guid retailerId, DateTimeOffset cutoff, int batch, CancellationToken ct)
    {
        long deleted = 0;
        var past = long.MinValue;
        while (true)
        {
            var segments = await db.LogSegments.AsNoTracking()
                .Where(s => s.RetailerId == retailerId && s.LastLineId > past)
                .OrderBy(s => s.LastLineId)
                .Select(s => new { s.FirstLineId, s.LastLineId, Old = s.FirstTimestamp < cutoff })
                .Take(batch)
                .ToListAsync(ct);
            var spans = new List<(long First, long Last)>();
            (long First, long Last)? open = null;
            foreach (var segment in segments)
            {
                if (segment.Old)
                {
                    open = (open?.First ?? segment.FirstLineId, segment.LastLineId);
                }
                else if (open is { } span)
                {
                    spans.Add(span);
                    open = null;
                }
            }

            if (open is { } tail)
            {
                spans.Add(tail);
            }

            foreach (var (first, last) in spans)
            {
                deleted += await DeleteInBatchesAsync(() => db.LogEntries
                    .Where(e => e.RetailerId == retailerId && e.Id >= first && e.Id <= last && e.Timestamp < cutoff)
                    .OrderBy(e => e.Id).Take(batch).ExecuteDeleteAsync(ct), batch);
            }

            if (segments.Count < batch)
            {
                return deleted;
            }

            past = segments[^1].LastLineId;
        }
    }

    private static async Task DeleteEmptySegmentsAsync(HubDbContext db, Guid retailerId, IQueryable<LogSegment> candidates, int batch, CancellationToken ct)
    {
        while (true)
        {
            var empty = await candidates.AsNoTracking()
                .Where(s => !db.LogEntries.Any(e => e.RetailerId == s.RetailerId && e.Id >= s.FirstLineId && e.Id <= s.LastLineId))
                .OrderBy(s => s.LastLineId)
                .Select(s => s.LastLineId)
                .Take(batch)
                .ToListAsync(ct);
            await db.LogRunRanges.Where(r => r.RetailerId == retailerId && empty.Contains(r.SegmentLastLineId)).ExecuteDeleteAsync(ct);
            await db.LogSegments.Where(s => s.RetailerId == retailerId && empty.Contains(s.LastLineId)).ExecuteDeleteAsync(ct);
            if (empty.Count < batch)
            {
                return;
            }
        }
    }

    private static async Task<long> DeleteInBatchesAsync(Func<Task<int>> deleteBatch, int batch)
    {
        long total = 0;
        int deleted;
        do
        {
            deleted = await deleteBatch();
            total += deleted;
        }
        while (deleted == batch);
        return total;
    }
}
