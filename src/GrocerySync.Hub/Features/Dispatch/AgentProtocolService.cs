using GrocerySync.Contracts;
using GrocerySync.Contracts.Agents;
using GrocerySync.Hub.Data;
using GrocerySync.Hub.Features.Runs;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace GrocerySync.Hub.Features.Dispatch;

/// <summary>The authenticated agent of a <c>/agent/v1</c> request (see <see cref="Agents.AgentKeyHandler"/>).</summary>
internal sealed record AgentCaller(Guid AgentId, Guid RetailerId, string Name, int HeartbeatIntervalSeconds);

/// <summary>
/// What the hub does for an agent: heartbeats, the work long-poll (runs and connection tests), run events. The tenant filter is the agent's
/// retailer, and every run is looked up with the agent's id as well, so an agent never sees or touches a run of
/// another agent, let alone of another retailer. Bad or late events are ignored (and logged), never a 500: the
/// agent's outbox must be able to move on.
/// </summary>
internal sealed class AgentProtocolService(
    HubDbContext db,
    RunLifecycle lifecycle,
    RunSpecBuilder specs,
    ConnectionTestDispatch connectionTests,
    WorkSignals signals,
    TimeProvider time,
    IOptions<RunOptions> runOptions,
    ILogger<AgentProtocolService> log)
{
    public const int MaxEventsPerBatch = 5000;

    /// <summary>
    /// The long-poll: queued runs and pending connection tests of this agent at once, else waits for a signal (work
    /// queued on this replica, or found by <see cref="QueuedRunWatcher"/>) up to <paramref name="wait"/>, at most
    /// <paramref name="maxRuns"/> runs (the agent's free slots; the hub's MaxRunsPerPoll caps it; connection tests take
    /// no slot). Each run is moved Queued → Dispatched (each test Pending → Dispatched) with a conditional update, so two
    /// polls (or two replicas) never hand out one twice. An answer without runs and tests means the wait passed.
    /// </summary>
    public async Task<WorkResponse> WorkAsync(AgentCaller agent, TimeSpan wait, int? maxRuns, CancellationToken ct)
    {
        // The wait is transport timing, not business time: the real clock, also under a fake TimeProvider.
        var take = Math.Min(maxRuns ?? runOptions.Value.MaxRunsPerPoll, runOptions.Value.MaxRunsPerPoll);
        var deadline = TimeProvider.System.GetTimestamp() + (long)(wait.TotalSeconds * TimeProvider.System.TimestampFrequency);
        while (true)
        {
            var signal = signals.NextAsync(agent.AgentId);
            var tests = await connectionTests.HandOutAsync(agent.AgentId, ct);
            var runs = take == 0 ? [] : await DispatchQueuedAsync(agent, take, ct);
            var remaining = TimeProvider.System.GetElapsedTime(TimeProvider.System.GetTimestamp(), deadline);
            if (runs.Count > 0 || tests.Count > 0 || remaining <= TimeSpan.Zero)
            {
                return new WorkResponse(runs) { ConnectionTests = tests };
            }

            await Task.WhenAny(signal, Task.Delay(remaining, ct));
            ct.ThrowIfCancellationRequested();
        }
    }

    private async Task<IReadOnlyList<RunSpec>> DispatchQueuedAsync(AgentCaller agent, int take, CancellationToken ct)
    {
        var queued = await db.JobRuns.AsNoTracking()
            .Where(r => r.AgentId == agent.AgentId && r.Status == RunStatus.Queued)
            .OrderBy(r => r.QueuedAt).ThenBy(r => r.Id)
            .Select(r => new { r.Id, r.RetailerId })
            .Take(take)
            .ToListAsync(ct);
        var handedOut = new List<RunSpec>();
        var lease = runOptions.Value.LeaseFor(agent.HeartbeatIntervalSeconds);
        foreach (var run in queued)
        {
            var (spec, failure) = await specs.BuildAsync(run.Id, agent.AgentId, lease, ct);
            var now = time.GetUtcNow();
            await using var transaction = await db.Database.BeginTransactionAsync(ct);
            var won = spec is null
                ? await lifecycle.TryFinishAsync(db, run.Id, RunStatus.Queued, RunStatus.Failed, now, failure, counts: null, ct)
                : await RunLifecycle.TryDispatchAsync(db, run.Id, run.RetailerId, now, now + lease, ct);
            if (!won)
            {
                await transaction.RollbackAsync(ct);
                db.ChangeTracker.Clear();
                continue;
            }

            await db.SaveChangesAsync(ct);
            await transaction.CommitAsync(ct);
            db.ChangeTracker.Clear();
            if (spec is null)
            {
                HubLog.RunNotDispatchable(log, run.Id, agent.AgentId, failure!);
            }
            else
            {
                HubLog.RunDispatched(log, run.Id, agent.AgentId);
                handedOut.Add(spec);
            }
        }

        return handedOut;
    }

    /// <summary>Applies the events above the outbox's stored sequence, in order, in one transaction with the new sequence.</summary>
    public async Task<BatchAcknowledgement> EventsAsync(AgentCaller agent, EventBatch batch, CancellationToken ct)
    {
        var events = batch.Events.OrderBy(e => e.Sequence).ToList();
        var highest = events.Count == 0 ? 0 : events[^1].Sequence;
        var acknowledged = await OutboxCursors.InTransactionAsync(db, async token =>
        {
            var now = time.GetUtcNow();
            var claim = await OutboxCursors.ClaimAsync(db, agent.AgentId, agent.RetailerId, batch.OutboxId, highest, now, token);
            foreach (var e in events.Where(e => e.Sequence > claim.Previous))
            {
                await ApplyAsync(agent, e, now, token);
            }

            await db.SaveChangesAsync(token);
            return claim.Highest;
        }, ct);
        return new BatchAcknowledgement(acknowledged, await CancelRunIdsAsync(agent.AgentId, ct));
    }

    /// <summary>
    /// The time to record for an agent's event: the agent's clock is not the hub's, so its time is kept between the run's
    /// previous change (also one not saved yet, earlier in this batch) and the hub's clock. An agent clock that is a
    /// little behind never puts Running before Dispatched, nor one ahead a finish in the hub's future; events buffered
    /// while the hub was down keep the times they happened.
    /// </summary>
    private async Task<DateTimeOffset> EventTimeAsync(Guid runId, DateTimeOffset at, DateTimeOffset now, CancellationToken ct)
    {
        var previous = await db.JobRunStatusChanges.AsNoTracking()
            .Where(c => c.JobRunId == runId)
            .OrderByDescending(c => c.Id)
            .Select(c => (DateTimeOffset?)c.At)
            .FirstOrDefaultAsync(ct);
        foreach (var pending in db.JobRunStatusChanges.Local.Where(c => c.JobRunId == runId))
        {
            previous = previous is { } p && p >= pending.At ? p : pending.At;
        }

        var bounded = at > now ? now : at;
        return previous is { } last && bounded < last ? last : bounded;
    }

    /// <summary>The runs of this agent a user asked to cancel, read from the database (batch answers are rarer than heartbeats).</summary>
    public async Task<IReadOnlyList<Guid>> CancelRunIdsAsync(Guid agentId, CancellationToken ct) =>
        await db.JobRuns.AsNoTracking()
            .Where(r => r.AgentId == agentId && (r.Status == RunStatus.Dispatched || r.Status == RunStatus.Running) && r.CancelRequestedAt != null)
            .Select(r => r.Id)
            .ToListAsync(ct);

    private async Task ApplyAsync(AgentCaller agent, RunEvent e, DateTimeOffset now, CancellationToken ct)
    {
        var run = await db.JobRuns.AsNoTracking()
            .Where(r => r.Id == e.RunId && r.AgentId == agent.AgentId)
            .Select(r => new { r.Id, r.RetailerId, r.Status })
            .SingleOrDefaultAsync(ct);
        if (run is null)
        {
            HubLog.EventIgnored(log, agent.AgentId, e.Sequence, e.RunId, e.Kind, "no such run of this agent");
            return;
        }

        var lease = now + runOptions.Value.LeaseFor(agent.HeartbeatIntervalSeconds);
        var counts = e.Counts is { } c ? new RunTotals(c.Read, c.Changed, c.Written, c.Rejected, c.BytesWritten) : null;
        var status = run.Status;
        string? ignored = null;
        switch (e.Kind)
        {
            case RunEventKind.Started:
                if (status == RunStatus.Dispatched)
                {
                    ignored = await RunLifecycle.TryStartAsync(db, run.Id, run.RetailerId, await EventTimeAsync(run.Id, e.At, now, ct), lease, ct) ? null : "the run changed meanwhile";
                }
                else
                {
                    ignored = $"the run is {status}, not Dispatched";
                }

                break;
            case RunEventKind.Progress:
                if (status == RunStatus.Dispatched && await RunLifecycle.TryStartAsync(db, run.Id, run.RetailerId, await EventTimeAsync(run.Id, e.At, now, ct), lease, ct))
                {
                    status = RunStatus.Running;
                }

                if (status != RunStatus.Running)
                {
                    ignored = $"the run is {status}, not Running";
                }
                else if (counts is not null && !await RunLifecycle.TryProgressAsync(db, run.Id, counts, lease, ct))
                {
                    ignored = "the run changed meanwhile";
                }

                break;
            case RunEventKind.Finished:
                if (e.FinalStatus is not { } final || !final.IsFinal())
                {
                    ignored = $"a finished event must carry a final status, not {e.FinalStatus?.ToString() ?? "none"}";
                }
                else if (status is not (RunStatus.Dispatched or RunStatus.Running))
                {
                    ignored = $"the run is already {status}";
                }
                else if (!await lifecycle.TryFinishAsync(db, run.Id, status, final, await EventTimeAsync(run.Id, e.At, now, ct), e.Message ?? (final == RunStatus.Succeeded ? null : $"{final} on the agent"), counts, ct))
                {
                    ignored = "the run changed meanwhile";
                }

                break;
            default:
                ignored = $"unknown event kind {e.Kind}";
                break;
        }

        if (ignored is not null)
        {
            HubLog.EventIgnored(log, agent.AgentId, e.Sequence, e.RunId, e.Kind, ignored);
        }
    }

}
