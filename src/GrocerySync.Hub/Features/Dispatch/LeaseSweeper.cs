using GrocerySync.Contracts;
using GrocerySync.Hub.Data;
using GrocerySync.Hub.Features.Runs;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace GrocerySync.Hub.Features.Dispatch;

/// <summary>
/// No run is left Dispatched or Running: a run whose lease lapsed (the agent crashed, the machine is off) ends as
/// Failed with "agent stopped reporting" (Cancelled when a user had asked to cancel it), and a running run past its
/// job's timeout ends as TimedOut. Each end is a conditional update on the state that was read, so when several
/// replicas sweep at once each run is ended exactly once. A lease that lapsed while no hub ran is not held against
/// the agent until it had one lease's time, from this hub's start, to report. Connection tests that no agent answered
/// before their expiry fail in the same pass (<see cref="ConnectionTestDispatch.ExpireAsync"/>).
/// </summary>
internal sealed class LeaseSweeper(IServiceScopeFactory scopes, TimeProvider time, IOptions<RunOptions> options, ILogger<LeaseSweeper> log)
    : PeriodicService(scopes, time, log)
{
    public const string StoppedReporting = "agent stopped reporting";

    private const int BatchSize = 500;

    private readonly DateTimeOffset _startedAt = time.GetUtcNow();

    protected override TimeSpan Interval => options.Value.SweepInterval;

    /// <summary>How many runs the last pass of this instance ended (for tests and logs).</summary>
    public int LastPassEnded { get; private set; }

    protected override async Task RunAsync(IServiceProvider services, HubDbContext db, CancellationToken ct)
    {
        var lifecycle = services.GetRequiredService<RunLifecycle>();
        var now = Clock.GetUtcNow();
        var ended = 0;

        var lapsed = await db.JobRuns.AsNoTracking()
            .Where(r => (r.Status == RunStatus.Dispatched || r.Status == RunStatus.Running) && r.LeaseExpiresAt != null && r.LeaseExpiresAt < now)
            .OrderBy(r => r.LeaseExpiresAt)
            .Select(r => new { r.Id, r.Status, r.CancelRequestedAt, r.AgentId })
            .Take(BatchSize)
            .ToListAsync(ct);
        var agentIds = lapsed.Select(r => r.AgentId).Distinct().ToList();
        var intervals = await db.Agents.AsNoTracking()
            .Where(a => agentIds.Contains(a.Id))
            .Select(a => new { a.Id, a.HeartbeatIntervalSeconds })
            .ToDictionaryAsync(a => a.Id, a => a.HeartbeatIntervalSeconds, ct);

        // While no hub ran, no agent could renew a lease: a hub that starts gives each run one lease from its start
        // to report (buffered events, the next heartbeat) before it counts the lapse. Until then the run waits here.
        foreach (var run in lapsed.Where(r => now >= _startedAt + options.Value.LeaseFor(intervals.GetValueOrDefault(r.AgentId))))
        {
            var (final, reason) = run.CancelRequestedAt is null
                ? (RunStatus.Failed, StoppedReporting)
                : (RunStatus.Cancelled, "cancelled by a user; the agent did not confirm before its lease lapsed");
            ended += await EndAsync(db, lifecycle, run.Id, run.Status, final, now, reason, ct) ? 1 : 0;
        }

        var running = await db.JobRuns.AsNoTracking()
            .Where(r => r.Status == RunStatus.Running && r.StartedAt != null)
            .Select(r => new { r.Id, r.StartedAt, r.Job!.TimeoutSeconds })
            .ToListAsync(ct);
        foreach (var run in running.Where(r => r.StartedAt!.Value.AddSeconds(r.TimeoutSeconds) < now).Take(BatchSize))
        {
            ended += await EndAsync(db, lifecycle, run.Id, RunStatus.Running, RunStatus.TimedOut, now, $"the run exceeded the job's timeout of {run.TimeoutSeconds} s", ct) ? 1 : 0;
        }

        LastPassEnded = ended;
        await services.GetRequiredService<ConnectionTestDispatch>().ExpireAsync(now, ct);
    }

    private async Task<bool> EndAsync(HubDbContext db, RunLifecycle lifecycle, Guid runId, RunStatus observed, RunStatus final, DateTimeOffset now, string reason, CancellationToken ct)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        if (!await lifecycle.TryFinishAsync(db, runId, observed, final, now, reason, counts: null, ct))
        {
            await transaction.RollbackAsync(ct);
            return false;
        }

        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        db.ChangeTracker.Clear();
        HubLog.RunEndedBySweeper(log, runId, final, reason);
        return true;
    }
}
