using GrocerySync.Hub.Data;
using GrocerySync.Hub.Features.Jobs;
using GrocerySync.Hub.Tenancy;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace GrocerySync.Hub.Features.Scheduling;

/// <summary>
/// Keeps the scheduler's triggers equal to the jobs table. At start it gives every scheduled job without a next
/// occurrence one (demo data, rows written by hand) and registers every trigger (the in-memory store starts empty;
/// the clustered store keeps its triggers, so there it changes nothing); then, every
/// <c>Hub:Scheduling:ReconcileInterval</c>, it repairs any difference, such as a trigger whose update failed after its
/// job was saved. Every replica does this; setting a trigger is idempotent.
/// </summary>
internal sealed class ScheduleReconciler(
    IServiceScopeFactory scopes, JobTriggers triggers, TimeProvider time, IOptions<SchedulingOptions> options, IConfiguration configuration, ILogger<ScheduleReconciler> log)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var store = DatabaseExtensions.ProviderFor(configuration) == DatabaseProvider.Postgres ? "clustered store on PostgreSQL" : "in-memory store (SQLite hub)";
        HubLog.SchedulerMode(log, store, options.Value.ResolvedInstanceId, options.Value.MisfireThreshold, options.Value.MaxConsecutiveFailures);
        await ReconcileSafelyAsync(atStart: true, stoppingToken);
        while (await time.WaitAsync(options.Value.ReconcileInterval, stoppingToken))
        {
            await ReconcileSafelyAsync(atStart: false, stoppingToken);
        }
    }

    private async Task ReconcileSafelyAsync(bool atStart, CancellationToken ct)
    {
        try
        {
            await ReconcileAsync(atStart, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            HubLog.ReconcileFailed(log, e);
        }
    }

    /// <summary>One pass; <paramref name="atStart"/> also fills in missing next occurrences.</summary>
    public async Task ReconcileAsync(bool atStart, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<CurrentUser>().SetSystem();
        var db = scope.ServiceProvider.GetRequiredService<HubDbContext>();
        var jobs = await db.Jobs.AsNoTracking()
            .Select(j => new { j.Id, Scheduled = j.Enabled && j.PausedAt == null, j.NextRunAt, j.CronExpression, j.TimeZone })
            .ToListAsync(ct);

        var wanted = new Dictionary<Guid, DateTimeOffset>();
        var now = time.GetUtcNow();
        foreach (var job in jobs)
        {
            var next = job.NextRunAt;
            if (atStart && job.Scheduled && next is null)
            {
                next = JobSchedule.NextRun(job.CronExpression, job.TimeZone, now);
                // Guarded like a firing: a replica that got there first wins, and its value is read back.
                await db.Jobs.Where(j => j.Id == job.Id && j.NextRunAt == null).ExecuteUpdateAsync(s => s.SetProperty(j => j.NextRunAt, next), ct);
                next = await db.Jobs.AsNoTracking().Where(j => j.Id == job.Id).Select(j => j.NextRunAt).SingleOrDefaultAsync(ct);
            }

            if (job.Scheduled && next is { } at)
            {
                wanted[job.Id] = at;
            }
        }

        var existing = await triggers.ListAsync(ct);
        var changed = 0;
        foreach (var jobId in wanted.Keys.Union(existing.Keys))
        {
            var has = existing.GetValueOrDefault(jobId) ?? [];
            var want = wanted.TryGetValue(jobId, out var at) ? at : (DateTimeOffset?)null;
            if (has.Count == (want is null ? 0 : 1) && (want is null || has[0] == want))
            {
                continue;
            }

            // The snapshot may be a moment old (a firing may have moved on since): read the job again before changing its trigger.
            var current = await db.Jobs.AsNoTracking().Where(j => j.Id == jobId && j.Enabled && j.PausedAt == null).Select(j => j.NextRunAt).SingleOrDefaultAsync(ct);
            await triggers.SetAsync(jobId, current, ct);
            changed++;
        }

        HubLog.Reconciled(log, wanted.Count, changed);
    }
}
