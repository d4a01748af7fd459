using GrocerySync.Contracts;
using GrocerySync.Hub.Data;
using GrocerySync.Hub.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace GrocerySync.Hub.Features.Runs;

/// <summary>Final counts of a run as the agent reported them.</summary>
internal sealed record RunTotals(long Read, long Changed, long Written, long Rejected, long BytesWritten);

/// <summary>
/// Every change of a run's state after it was queued. Each one is a conditional update on the status the caller
/// read (<c>UPDATE … WHERE Id = @id AND Status = @observed</c>), so two replicas, two polls or a late event never
/// move one run twice: exactly one caller wins, the others get false and change nothing. The caller owns the
/// transaction and saves; the status change row (and, for a final state, whatever the
/// <see cref="IRunFinishedListener"/>s add) commits with the state.
/// </summary>
internal sealed class RunLifecycle(IEnumerable<IRunFinishedListener> finishedListeners)
{
    public static async Task<bool> TryDispatchAsync(HubDbContext db, Guid runId, Guid retailerId, DateTimeOffset now, DateTimeOffset leaseUntil, CancellationToken ct)
    {
        var moved = await db.JobRuns
            .Where(r => r.Id == runId && r.Status == RunStatus.Queued)
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.Status, RunStatus.Dispatched).SetProperty(r => r.LeaseExpiresAt, leaseUntil), ct);
        if (moved == 1)
        {
            Record(db, runId, retailerId, RunStatus.Queued, RunStatus.Dispatched, now, "handed to the agent");
        }

        return moved == 1;
    }

    /// <summary>Dispatched → Running, stamped with the time the agent started it.</summary>
    public static async Task<bool> TryStartAsync(HubDbContext db, Guid runId, Guid retailerId, DateTimeOffset startedAt, DateTimeOffset leaseUntil, CancellationToken ct)
    {
        var moved = await db.JobRuns
            .Where(r => r.Id == runId && r.Status == RunStatus.Dispatched)
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.Status, RunStatus.Running).SetProperty(r => r.StartedAt, startedAt).SetProperty(r => r.LeaseExpiresAt, leaseUntil), ct);
        if (moved == 1)
        {
            Record(db, runId, retailerId, RunStatus.Dispatched, RunStatus.Running, startedAt, "started on the agent");
        }

        return moved == 1;
    }

    /// <summary>Progress of a running run: the counts so far; renews the lease unless a cancel was requested.</summary>
    public static async Task<bool> TryProgressAsync(HubDbContext db, Guid runId, RunTotals counts, DateTimeOffset leaseUntil, CancellationToken ct) =>
        await db.JobRuns
            .Where(r => r.Id == runId && r.Status == RunStatus.Running)
            .ExecuteUpdateAsync(s => s
                .SetProperty(r => r.RecordsRead, counts.Read)
                .SetProperty(r => r.RecordsChanged, counts.Changed)
                .SetProperty(r => r.RecordsWritten, counts.Written)
                .SetProperty(r => r.RecordsRejected, counts.Rejected)
                .SetProperty(r => r.BytesWritten, counts.BytesWritten)
                .SetProperty(r => r.LeaseExpiresAt, r => r.CancelRequestedAt == null ? leaseUntil : r.LeaseExpiresAt), ct) == 1;

    /// <summary>
    /// <paramref name="observed"/> → a final state, once. The winner records the change and calls the finished
    /// listeners in this unit of work; the caller saves and commits.
    /// </summary>
    public async Task<bool> TryFinishAsync(HubDbContext db, Guid runId, RunStatus observed, RunStatus final, DateTimeOffset at, string? reason, RunTotals? counts, CancellationToken ct)
    {
        if (!final.IsFinal() || observed.IsFinal())
        {
            return false;
        }

        var error = final == RunStatus.Succeeded ? null : Clip(reason);
        var query = db.JobRuns.Where(r => r.Id == runId && r.Status == observed);
        var moved = counts is null
            ? await query.ExecuteUpdateAsync(s => s
                .SetProperty(r => r.Status, final).SetProperty(r => r.FinishedAt, at).SetProperty(r => r.Error, error)
                .SetProperty(r => r.LeaseExpiresAt, (DateTimeOffset?)null), ct)
            : await query.ExecuteUpdateAsync(s => s
                .SetProperty(r => r.Status, final).SetProperty(r => r.FinishedAt, at).SetProperty(r => r.Error, error)
                .SetProperty(r => r.LeaseExpiresAt, (DateTimeOffset?)null)
                .SetProperty(r => r.RecordsRead, counts.Read)
                .SetProperty(r => r.RecordsChanged, counts.Changed)
                .SetProperty(r => r.RecordsWritten, counts.Written)
                .SetProperty(r => r.RecordsRejected, counts.Rejected)
                .SetProperty(r => r.BytesWritten, counts.BytesWritten), ct);
        if (moved != 1)
        {
            return false;
        }

        var run = db.JobRuns.Local.FirstOrDefault(r => r.Id == runId);
        if (run is not null)
        {
            await db.Entry(run).ReloadAsync(ct);
        }
        else
        {
            run = await db.JobRuns.SingleAsync(r => r.Id == runId, ct);
        }

        Record(db, runId, run.RetailerId, observed, final, at, Clip(reason));
        foreach (var listener in finishedListeners)
        {
            await listener.OnRunFinishedAsync(db, run, ct);
        }

        return true;
    }

    private static void Record(HubDbContext db, Guid runId, Guid retailerId, RunStatus from, RunStatus to, DateTimeOffset at, string? reason) =>
        db.JobRunStatusChanges.Add(new JobRunStatusChange { RetailerId = retailerId, JobRunId = runId, FromStatus = from, ToStatus = to, At = at, Reason = reason });

    private static string? Clip(string? text) =>
        text is null ? null : text.Length <= Data.Configurations.Lengths.Message ? text : text[..Data.Configurations.Lengths.Message];
}
