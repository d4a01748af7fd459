using System.Globalization;
using GrocerySync.Contracts;
using GrocerySync.Hub.Data;
using GrocerySync.Hub.Features.Jobs;
using GrocerySync.Hub.Features.Runs;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace GrocerySync.Hub.Features.Scheduling;

/// <summary>
/// What firing a scheduled occurrence does: queue the job's run through <see cref="RunQueue"/> (or record why it was
/// skipped) and move the job's next occurrence on, in one transaction guarded by the occurrence itself.
/// </summary>
internal sealed class ScheduledRuns(HubDbContext db, RunQueue queue, TimeProvider time, IOptions<SchedulingOptions> options, ILogger<ScheduledRuns> log)
{
    /// <summary>Fires <paramref name="occurrence"/> of <paramref name="jobId"/>; answers the job's next occurrence, for its trigger.</summary>
    /// <remarks>
    /// An occurrence that is no longer the job's next one (taken by another replica, the schedule changed, the job
    /// was paused, disabled or deleted) does nothing but answer what the table now says.
    /// </remarks>
    public async Task<DateTimeOffset?> FireAsync(Guid jobId, DateTimeOffset occurrence, CancellationToken ct)
    {
        var job = await db.Jobs.AsNoTracking().Where(j => j.Id == jobId)
            .Select(j => new { j.CronExpression, j.TimeZone, j.NextRunAt, j.Enabled, j.PausedAt })
            .SingleOrDefaultAsync(ct);
        if (job is null)
        {
            return null;
        }

        if (job.NextRunAt != occurrence)
        {
            HubLog.OccurrenceNotCurrent(log, jobId, occurrence, job.NextRunAt);
            return job.Enabled && job.PausedAt is null ? job.NextRunAt : null;
        }

        var now = time.GetUtcNow();
        // After a late firing the missed occurrences in between are not made up: the next one is the first after now.
        var next = JobSchedule.NextRun(job.CronExpression, job.TimeZone, occurrence > now ? occurrence : now);
        var taken = new ScheduledOccurrence(occurrence, next);
        var local = JobSchedule.InZone(occurrence, job.TimeZone).ToString("yyyy-MM-dd HH:mm zzz", CultureInfo.InvariantCulture);
        var late = now - occurrence;
        if (late > options.Value.MisfireThreshold)
        {
            var reason = string.Create(CultureInfo.InvariantCulture, $"The occurrence at {local} ({job.TimeZone}) was missed while no hub was running, {FormatAge(late)} ago; older than Hub:Scheduling:MisfireThreshold ({options.Value.MisfireThreshold}), so it was skipped.");
            if (await queue.SkipAsync(jobId, taken, reason, ct))
            {
                HubLog.OccurrenceMissed(log, jobId, occurrence, late);
            }

            return await CurrentNextAsync(jobId, ct);
        }

        var result = await queue.EnqueueAsync(jobId, RunTrigger.Schedule, $"Scheduled for {local} ({job.TimeZone})", taken, ct);
        switch (result.Status)
        {
            case EnqueueStatus.Queued:
                HubLog.ScheduledRunQueued(log, jobId, result.Run!.Id, occurrence);
                break;
            case EnqueueStatus.Busy:
                HubLog.OccurrenceSkippedBusy(log, jobId, occurrence, result.ActiveRunId!.Value);
                break;
            default:
                break;
        }

        return await CurrentNextAsync(jobId, ct);
    }

    private async Task<DateTimeOffset?> CurrentNextAsync(Guid jobId, CancellationToken ct) =>
        await db.Jobs.AsNoTracking().Where(j => j.Id == jobId && j.Enabled && j.PausedAt == null).Select(j => j.NextRunAt).SingleOrDefaultAsync(ct);

    private static string FormatAge(TimeSpan age) =>
        age.TotalHours >= 1
            ? string.Create(CultureInfo.InvariantCulture, $"{age.TotalHours:0.#} h")
            : string.Create(CultureInfo.InvariantCulture, $"{age.TotalMinutes:0} min");
}
