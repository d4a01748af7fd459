using System.Text.Json.Nodes;
using GrocerySync.Contracts;
using GrocerySync.Hub.Data;
using GrocerySync.Hub.Data.Entities;
using GrocerySync.Hub.Features.Audit;
using GrocerySync.Hub.Features.Runs;
using GrocerySync.Hub.Features.Scheduling;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace GrocerySync.Hub.Features.Jobs;

/// <summary>
/// What a finished run means for its job, inside the unit of work that ends the run: the last status, the count of
/// failures in a row, and the automatic pause when it reaches <c>Hub:Scheduling:MaxConsecutiveFailures</c>.
/// </summary>
/// <remarks>
/// Failed and TimedOut count as failures; Succeeded resets the count. Cancelled does neither: someone stopped the
/// run, which says nothing about whether the job works. A paused job keeps its trigger until that trigger fires and
/// finds the job paused, which removes it (ScheduledRuns).
/// </remarks>
internal sealed class JobOutcomes(TimeProvider time, IOptions<SchedulingOptions> options, AuditEntries audit, ILogger<JobOutcomes> log) : IRunFinishedListener
{
    public async Task OnRunFinishedAsync(HubDbContext db, JobRun run, CancellationToken ct)
    {
        // The unit of work may belong to an agent's request, whose caller sees no retailer through the tenant filter;
        // the run itself names its job and retailer, which is what scopes this lookup.
        var job = db.Jobs.Local.FirstOrDefault(j => j.Id == run.JobId)
            ?? await db.Jobs.IgnoreQueryFilters().SingleOrDefaultAsync(j => j.Id == run.JobId && j.RetailerId == run.RetailerId, ct);
        if (job is null)
        {
            return;
        }

        var now = time.GetUtcNow();
        var finishedAt = run.FinishedAt ?? now;
        if (job.LastRunFinishedAt is not { } last || finishedAt >= last)
        {
            job.LastRunStatus = run.Status;
            job.LastRunFinishedAt = finishedAt;
        }

        switch (run.Status)
        {
            case RunStatus.Succeeded:
                job.ConsecutiveFailures = 0;
                break;
            case RunStatus.Failed or RunStatus.TimedOut:
                job.ConsecutiveFailures++;
                if (job.ConsecutiveFailures >= options.Value.MaxConsecutiveFailures && job.PausedAt is null)
                {
                    Pause(db, job, run, now);
                }

                break;
            default:
                break;
        }
    }

    private void Pause(HubDbContext db, Job job, JobRun run, DateTimeOffset now)
    {
        job.PausedAt = now;
        job.PausedReason = $"Paused after {job.ConsecutiveFailures} consecutive failures (the last: run {run.Id}, {run.Status}). Fix the cause, then resume the job.";
        job.NextRunAt = null;
        // The unit of work may be an agent's request: the pause is the hub's own decision, so the actor is the system.
        db.AuditEvents.Add(audit.New(AuditEventType.JobPaused, "Job", job.Id, job.RetailerId, new JsonObject
        {
            ["reason"] = job.PausedReason,
            ["consecutiveFailures"] = job.ConsecutiveFailures,
            ["runId"] = run.Id,
        }, new AuditActor(null, "system")));
        HubLog.JobAutoPaused(log, job.Id, job.ConsecutiveFailures, run.Id);
    }
}
