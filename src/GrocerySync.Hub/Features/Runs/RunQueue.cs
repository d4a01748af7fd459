using System.Text.Json.Nodes;
using GrocerySync.Contracts;
using GrocerySync.Hub.Data;
using GrocerySync.Hub.Data.Configurations;
using GrocerySync.Hub.Data.Entities;
using GrocerySync.Hub.Features.Audit;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace GrocerySync.Hub.Features.Runs;

/// <summary>What <see cref="RunQueue.EnqueueAsync"/> did.</summary>
internal enum EnqueueStatus
{
    /// <summary>A new run is queued: <see cref="EnqueueResult.Run"/>.</summary>
    Queued,

    /// <summary>The job has an active run (<see cref="EnqueueResult.ActiveRunId"/>); nothing was queued.</summary>
    Busy,

    /// <summary>No such job for the caller.</summary>
    NotFound,

    /// <summary>The job is disabled; nothing was queued.</summary>
    Disabled,

    /// <summary>The scheduled occurrence was taken already (by another replica, or the schedule changed): nothing was done.</summary>
    Stale,
}

internal sealed record EnqueueResult(EnqueueStatus Status, JobRun? Run = null, Guid? ActiveRunId = null);

/// <summary>
/// A scheduled occurrence being fired: <paramref name="At"/> is the job's <see cref="Job.NextRunAt"/> that the firing
/// takes, <paramref name="Next"/> what it becomes. Taking it is a conditional update on the current value, in the
/// transaction that queues the run, so an occurrence yields one run (or one skip) however many replicas fire it.
/// </summary>
internal sealed record ScheduledOccurrence(DateTimeOffset At, DateTimeOffset? Next);

/// <summary>
/// The one way to create a run (schedule, run now, retry): a Queued run with its first status change, at most one
/// active run per job, an audit entry for a person's request, all in one transaction; the dispatcher is told after
/// it committed.
/// </summary>
internal sealed class RunQueue(
    HubDbContext db, TimeProvider time, AuditLog auditLog, IEnumerable<IRunQueuedListener> listeners, ILogger<RunQueue> log)
{
    /// <summary>Queues a run of <paramref name="jobId"/>, unless the job has an active run.</summary>
    /// <param name="jobId">The job; another retailer's job is not found.</param>
    /// <param name="trigger">What asks for the run.</param>
    /// <param name="reason">The first status change's reason, e.g. "run now by Ann".</param>
    /// <param name="occurrence">For a scheduled run, the occurrence it takes; null otherwise.</param>
    /// <param name="ct">Cancels the work.</param>
    public async Task<EnqueueResult> EnqueueAsync(Guid jobId, RunTrigger trigger, string reason, ScheduledOccurrence? occurrence, CancellationToken ct)
    {
        // Two attempts: the first may lose the race for the job's one active-run slot to another request or replica;
        // the second then sees the winner and answers Busy.
        for (var attempt = 1; ; attempt++)
        {
            var result = await TryEnqueueAsync(jobId, trigger, reason, occurrence, ct);
            if (result is not null)
            {
                if (result.Status == EnqueueStatus.Queued)
                {
                    foreach (var listener in listeners)
                    {
                        listener.OnRunQueued(result.Run!.AgentId, result.Run.Id);
                    }
                }

                return result;
            }

            if (attempt == 2)
            {
                throw new InvalidOperationException($"Job {jobId}: the active-run slot was taken twice in a row without an active run being visible.");
            }
        }
    }

    /// <summary>One attempt in one transaction; null when another writer took the active-run slot first.</summary>
    private async Task<EnqueueResult?> TryEnqueueAsync(Guid jobId, RunTrigger trigger, string reason, ScheduledOccurrence? occurrence, CancellationToken ct)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var job = await db.Jobs.AsNoTracking().Where(j => j.Id == jobId)
            .Select(j => new { j.RetailerId, j.AgentId, j.Name, j.Enabled })
            .SingleOrDefaultAsync(ct);
        if (job is null)
        {
            return new EnqueueResult(EnqueueStatus.NotFound);
        }

        if (!job.Enabled)
        {
            return new EnqueueResult(EnqueueStatus.Disabled);
        }

        var now = time.GetUtcNow();
        if (occurrence is not null && !await TakeAsync(jobId, occurrence, ct))
        {
            return new EnqueueResult(EnqueueStatus.Stale);
        }

        var active = await db.JobRuns.AsNoTracking()
            .Where(r => r.JobId == jobId && r.Status < RunStatus.Succeeded)
            .Select(r => (Guid?)r.Id)
            .FirstOrDefaultAsync(ct);
        if (active is { } activeRunId)
        {
            if (occurrence is not null)
            {
                await RecordSkipAsync(jobId, now, $"Run {activeRunId} was still active at the scheduled time.", ct);
            }

            await transaction.CommitAsync(ct);
            return new EnqueueResult(EnqueueStatus.Busy, ActiveRunId: activeRunId);
        }

        var run = new JobRun
        {
            RetailerId = job.RetailerId,
            JobId = jobId,
            AgentId = job.AgentId,
            Trigger = trigger,
            Status = RunStatus.Queued,
            QueuedAt = now,
        };
        run.StatusChanges.Add(new JobRunStatusChange { RetailerId = job.RetailerId, JobRunId = run.Id, ToStatus = RunStatus.Queued, At = now, Reason = Truncate(reason) });
        db.JobRuns.Add(run);

        // A JobRun is not an audited entity; a person asking for a run is an audited action.
        AuditEvent? audit = null;
        if (trigger != RunTrigger.Schedule)
        {
            audit = auditLog.Record(AuditEventType.JobRunRequested, "Job", jobId, job.RetailerId, new JsonObject
            {
                ["runId"] = run.Id,
                ["trigger"] = trigger.ToString(),
                ["reason"] = reason,
            });
        }

        try
        {
            await db.SaveChangesAsync(ct);
            await transaction.CommitAsync(ct);
        }
        catch (DbUpdateException e) when (IsActiveRunConflict(e))
        {
            await transaction.RollbackAsync(ct);
            Detach(run, audit);
            HubLog.ActiveRunRace(log, jobId);
            return null;
        }

        return new EnqueueResult(EnqueueStatus.Queued, run);
    }

    /// <summary>Moves the job's next occurrence on from the one being fired, without an edit's version or timestamp.</summary>
    private async Task<bool> TakeAsync(Guid jobId, ScheduledOccurrence occurrence, CancellationToken ct) =>
        await db.Jobs.Where(j => j.Id == jobId && j.NextRunAt == occurrence.At)
            .ExecuteUpdateAsync(s => s.SetProperty(j => j.NextRunAt, occurrence.Next), ct) == 1;

    /// <summary>Takes an occurrence that creates no run (missed for too long), recording why.</summary>
    public async Task<bool> SkipAsync(Guid jobId, ScheduledOccurrence occurrence, string reason, CancellationToken ct)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        if (!await TakeAsync(jobId, occurrence, ct))
        {
            return false;
        }

        await RecordSkipAsync(jobId, time.GetUtcNow(), reason, ct);
        await transaction.CommitAsync(ct);
        return true;
    }

    // Runtime state, not an edit: ExecuteUpdate leaves the job's version and UpdatedAt alone (and is not audited).
    private Task<int> RecordSkipAsync(Guid jobId, DateTimeOffset now, string reason, CancellationToken ct) =>
        db.Jobs.Where(j => j.Id == jobId)
            .ExecuteUpdateAsync(s => s.SetProperty(j => j.LastSkippedAt, now).SetProperty(j => j.LastSkipReason, Truncate(reason)), ct);

    private void Detach(JobRun run, AuditEvent? audit)
    {
        foreach (var entity in run.StatusChanges.Cast<object?>().Append(run).Append(audit).ToList())
        {
            if (entity is not null)
            {
                db.Entry(entity).State = EntityState.Detached;
            }
        }
    }

    /// <summary>Whether the save failed on the one-active-run-per-job index.</summary>
    private static bool IsActiveRunConflict(DbUpdateException e) => e.InnerException switch
    {
        PostgresException p => p.SqlState == PostgresErrorCodes.UniqueViolation && p.ConstraintName == JobRunConfiguration.ActiveRunPerJobIndex,
        SqliteException s => s.SqliteErrorCode == 19 && s.Message.Contains("JobRuns.JobId", StringComparison.Ordinal),
        _ => false,
    };

    private static string Truncate(string value) => value.Length <= Lengths.Message ? value : value[..Lengths.Message];
}
