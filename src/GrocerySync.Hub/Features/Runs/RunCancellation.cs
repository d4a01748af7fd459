using System.Text.Json.Nodes;
using GrocerySync.Contracts;
using GrocerySync.Hub.Api;
using GrocerySync.Hub.Data;
using GrocerySync.Hub.Data.Entities;
using GrocerySync.Hub.Features.Audit;
using GrocerySync.Hub.Features.Dispatch;
using GrocerySync.Hub.Tenancy;
using Microsoft.EntityFrameworkCore;

namespace GrocerySync.Hub.Features.Runs;

/// <summary>
/// Cancels a run: a queued run is Cancelled at once; a run an agent has is marked cancel-requested and the agent is
/// told in its next heartbeat or batch answer, then reports Cancelled (or the lease sweeper ends it when it never does).
/// </summary>
internal sealed class RunCancellation(HubDbContext db, RunLifecycle lifecycle, RunService runs, CancelRequests cancels, CurrentUser caller, AuditLog audit, TimeProvider time)
{
    public async Task<Outcome<RunDetailDto>> CancelAsync(Guid id, CancellationToken ct)
    {
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var run = await db.JobRuns.AsNoTracking().Where(r => r.Id == id).Select(r => new { r.Id, r.JobId, r.RetailerId, r.AgentId, r.Status, r.CancelRequestedAt }).SingleOrDefaultAsync(ct);
            if (run is null)
            {
                return Outcome.NotFound;
            }

            if (run.Status.IsFinal())
            {
                return Outcome.Conflict($"The run already ended as {run.Status}.");
            }

            var now = time.GetUtcNow();
            if (run.Status == RunStatus.Queued)
            {
                await using var transaction = await db.Database.BeginTransactionAsync(ct);
                if (await lifecycle.TryFinishAsync(db, id, RunStatus.Queued, RunStatus.Cancelled, now, $"cancelled by {caller.Name ?? "a user"} before an agent took it", counts: null, ct))
                {
                    Audit(run.JobId, run.RetailerId, id, run.Status);
                    await db.SaveChangesAsync(ct);
                    await transaction.CommitAsync(ct);
                    return await runs.GetAsync(id, ct);
                }

                await transaction.RollbackAsync(ct);
                db.ChangeTracker.Clear();
                continue;
            }

            if (run.CancelRequestedAt is null)
            {
                await using var transaction = await db.Database.BeginTransactionAsync(ct);
                var marked = await db.JobRuns
                    .Where(r => r.Id == id && r.Status == run.Status && r.CancelRequestedAt == null)
                    .ExecuteUpdateAsync(s => s.SetProperty(r => r.CancelRequestedAt, now), ct);
                if (marked == 0)
                {
                    continue;
                }

                Audit(run.JobId, run.RetailerId, id, run.Status);
                await db.SaveChangesAsync(ct);
                await transaction.CommitAsync(ct);
            }

            cancels.Add(run.AgentId, id);
            return await runs.GetAsync(id, ct);
        }

        return Outcome.Conflict("The run changed while it was being cancelled. Read it again.");
    }

    /// <summary>A person stopping a run is an audited action, recorded with the change it asks for.</summary>
    private void Audit(Guid jobId, Guid retailerId, Guid runId, RunStatus status) =>
        audit.Record(AuditEventType.JobRunCancelRequested, "Job", jobId, retailerId, new JsonObject { ["runId"] = runId, ["status"] = status.ToString() });
}
