using System.Globalization;
using Quartz;

namespace GrocerySync.Hub.Features.Scheduling;

/// <summary>
/// The scheduler's side of the jobs table: one one-shot Quartz trigger per scheduled job, at its
/// <see cref="Data.Entities.Job.NextRunAt"/>. The trigger's group is the job's id and its name the occurrence's UTC
/// ticks, so the same occurrence always has the same key: setting it from several replicas at once converges.
/// </summary>
/// <remarks>
/// Cronos computes the occurrences (daylight-saving rules in the job's IANA zone, the standard five-field syntax);
/// Quartz is the clustered timer that fires each one on one replica and fires a missed one once after a restart.
/// </remarks>
internal sealed class JobTriggers(ISchedulerFactory schedulers)
{
    /// <summary>The one durable Quartz job every trigger fires.</summary>
    public static readonly JobKey RunJobKey = new("scheduled-run", "grocerysync");

    private volatile bool _jobStored;

    /// <summary>Makes the job's triggers exactly one at <paramref name="occurrence"/>, or none when it is null.</summary>
    public async Task SetAsync(Guid jobId, DateTimeOffset? occurrence, CancellationToken ct)
    {
        var scheduler = await SchedulerAsync(ct);
        var existing = await scheduler.GetTriggerKeys(GroupMatcher<TriggerKey>.GroupEquals(Group(jobId)), ct);
        var wanted = occurrence is { } at ? KeyFor(jobId, at) : null;
        var stale = existing.Where(k => !k.Equals(wanted)).ToList();
        if (stale.Count > 0)
        {
            await scheduler.UnscheduleJobs(stale, ct);
        }

        if (wanted is not null && !existing.Contains(wanted))
        {
            await scheduler.ScheduleJob(NewTrigger(scheduler, wanted, occurrence!.Value), new ScheduleJobOptions { Replace = true }, ct);
        }
    }

    /// <summary>The occurrence every trigger stands for, by job: what <see cref="ScheduleReconciler"/> compares with the jobs table.</summary>
    public async Task<IReadOnlyDictionary<Guid, IReadOnlyList<DateTimeOffset>>> ListAsync(CancellationToken ct)
    {
        var scheduler = await SchedulerAsync(ct);
        var keys = await scheduler.GetTriggerKeys(GroupMatcher<TriggerKey>.AnyGroup(), ct);
        var byJob = new Dictionary<Guid, List<DateTimeOffset>>();
        foreach (var key in keys)
        {
            if (TryRead(key, out var jobId, out var occurrence))
            {
                (byJob.TryGetValue(jobId, out var list) ? list : byJob[jobId] = []).Add(occurrence);
            }
        }

        return byJob.ToDictionary(p => p.Key, p => (IReadOnlyList<DateTimeOffset>)p.Value);
    }

    /// <summary>Reads which job and occurrence a trigger fires.</summary>
    public static bool TryRead(TriggerKey key, out Guid jobId, out DateTimeOffset occurrence)
    {
        occurrence = default;
        if (Guid.TryParseExact(key.Group, "N", out jobId) && long.TryParse(key.Name, NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
            && ticks >= DateTimeOffset.MinValue.UtcTicks && ticks <= DateTimeOffset.MaxValue.UtcTicks)
        {
            occurrence = new DateTimeOffset(ticks, TimeSpan.Zero);
            return true;
        }

        return false;
    }

    public static TriggerKey KeyFor(Guid jobId, DateTimeOffset occurrence) =>
        new(occurrence.UtcTicks.ToString(CultureInfo.InvariantCulture), Group(jobId));

    private static string Group(Guid jobId) => jobId.ToString("N");

    // Fire-now on misfire: a one-shot trigger that was due while no replica ran fires once when one is back, and
    // ScheduledRuns decides from the occurrence's age whether it still runs (Hub:Scheduling:MisfireThreshold).
    private static ITrigger NewTrigger(IScheduler scheduler, TriggerKey key, DateTimeOffset occurrence) =>
        TriggerBuilder.Create(scheduler.TimeProvider)
            .WithIdentity(key)
            .ForJob(RunJobKey)
            .StartAt(occurrence)
            .WithSimpleSchedule(s => s.WithMisfireInstruction(SimpleTriggerMisfireInstruction.FireNow))
            .Build();

    private async Task<IScheduler> SchedulerAsync(CancellationToken ct)
    {
        var scheduler = await schedulers.GetScheduler(ct);
        if (!_jobStored)
        {
            var job = JobBuilder.Create<ScheduledRunJob>().WithIdentity(RunJobKey).StoreDurably().WithDescription("Queues a run of the hub job a trigger names").Build();
            await scheduler.AddJob(job, new AddJobOptions { Replace = true }, ct);
            _jobStored = true;
        }

        return scheduler;
    }
}
