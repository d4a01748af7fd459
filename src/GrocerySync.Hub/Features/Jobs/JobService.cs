using System.Text.Json.Nodes;
using GrocerySync.Contracts;
using GrocerySync.Hub.Api;
using GrocerySync.Hub.Data;
using GrocerySync.Hub.Data.Entities;
using GrocerySync.Hub.Features.Audit;
using GrocerySync.Hub.Features.Runs;
using GrocerySync.Hub.Features.Scheduling;
using GrocerySync.Hub.Tenancy;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace GrocerySync.Hub.Features.Jobs;

/// <summary>
/// Sync jobs: what an agent runs, from which source to which destination, and when. Every change that moves a job's
/// schedule sets its trigger after the change committed (docs/scheduling.md).
/// </summary>
internal sealed class JobService(
    HubDbContext db,
    RetailerScope scope,
    TimeProvider time,
    CurrentUser caller,
    AuditLog audit,
    RunQueue queue,
    RunService runs,
    JobTriggers triggers,
    IOptions<SchedulingOptions> scheduling,
    ILogger<JobService> log)
{
    /// <summary>How many run times the schedule view lists.</summary>
    public const int NextRunCount = 5;

    private static readonly Ordering<Job> ListOrdering = Ordering<Job>.By("name", j => j.Id)
        .Add("name", j => j.Name)
        .Add("createdAt", j => j.CreatedAt)
        .Add("updatedAt", j => j.UpdatedAt)
        .Add("nextRunAt", j => j.NextRunAt)
        .Add("lastRunStatus", j => j.LastRunStatus)
        .Add("lastRunFinishedAt", j => j.LastRunFinishedAt);

    private static readonly Projection<Job, JobDto> ToDto = new(j => new JobDto(
        j.Id, j.RetailerId, j.Name, j.AgentId, j.SourceId, j.DestinationId, j.AdapterPluginId,
        JsonSettings.Parse(j.AdapterSettings), j.CronExpression, j.TimeZone, JsonSettings.Deserialize<JobFilters>(j.Filters),
        j.SyncMode, j.Enabled, j.TimeoutSeconds, j.NextRunAt, j.LastRunStatus, j.LastRunFinishedAt, j.ConsecutiveFailures, j.PausedAt, j.PausedReason,
        j.CreatedAt, j.UpdatedAt, j.Version));

    public Task<Outcome<PagedResult<JobDto>>> ListAsync(ListQuery list, JobListQuery filter, CancellationToken ct)
    {
        var query = db.Jobs.AsNoTracking();
        if (!string.IsNullOrWhiteSpace(list.Search))
        {
            var term = list.Search.Trim().ToLower();
            query = query.Where(j => j.Name.ToLower().Contains(term));
        }

        if (filter.RetailerId is { } retailerId)
        {
            query = query.Where(j => j.RetailerId == retailerId);
        }

        if (filter.AgentId is { } agentId)
        {
            query = query.Where(j => j.AgentId == agentId);
        }

        if (filter.SourceId is { } sourceId)
        {
            query = query.Where(j => j.SourceId == sourceId);
        }

        if (filter.DestinationId is { } destinationId)
        {
            query = query.Where(j => j.DestinationId == destinationId);
        }

        if (filter.Enabled is { } enabled)
        {
            query = query.Where(j => j.Enabled == enabled);
        }

        if (filter.LastRunStatus is { } status)
        {
            query = query.Where(j => j.LastRunStatus == status);
        }

        if (filter.SyncMode is { } mode)
        {
            query = query.Where(j => j.SyncMode == mode);
        }

        return query.ToPageAsync(list, ListOrdering, ToDto.Expression, ct);
    }

    public async Task<Outcome<JobDto>> GetAsync(Guid id, CancellationToken ct) =>
        await db.Jobs.AsNoTracking().SingleOrDefaultAsync(j => j.Id == id, ct) is { } job ? ToDto.From(job) : Outcome.NotFound;

    public async Task<Outcome<JobDto>> CreateAsync(CreateJobRequest request, CancellationToken ct)
    {
        var retailer = await scope.ForCreateAsync(request.RetailerId, ct);
        if (retailer.Kind != OutcomeKind.Ok)
        {
            return new Outcome(retailer.Kind, retailer.Errors, retailer.Detail);
        }

        var job = new Job
        {
            RetailerId = retailer.Value,
            Name = request.Name,
            AdapterPluginId = request.AdapterPluginId,
            CronExpression = request.CronExpression,
            TimeZone = request.TimeZone ?? string.Empty,
        };
        var invalid = await ApplyAsync(job, request, ct);
        if (invalid is not null)
        {
            return invalid.Value;
        }

        db.Jobs.Add(job);
        await db.SaveChangesAsync(ct);
        await SetTriggerAsync(job, ct);
        return ToDto.From(job);
    }

    public async Task<Outcome<JobDto>> UpdateAsync(Guid id, UpdateJobRequest request, CancellationToken ct)
    {
        var job = await db.Jobs.SingleOrDefaultAsync(j => j.Id == id, ct);
        if (job is null)
        {
            return Outcome.NotFound;
        }

        if (job.Version != request.Version)
        {
            return Outcome.StaleVersion;
        }

        var invalid = await ApplyAsync(job, request, ct);
        if (invalid is not null)
        {
            return invalid.Value;
        }

        await db.SaveChangesAsync(ct);
        await SetTriggerAsync(job, ct);
        return ToDto.From(job);
    }

    public async Task<Outcome<bool>> DeleteAsync(Guid id, CancellationToken ct)
    {
        var job = await db.Jobs.SingleOrDefaultAsync(j => j.Id == id, ct);
        if (job is null)
        {
            return Outcome.NotFound;
        }

        if (await db.JobRuns.AnyAsync(r => r.JobId == id && r.Status < RunStatus.Succeeded, ct))
        {
            return Outcome.Conflict("The job has a run in progress. Cancel it or wait for it to finish, then delete the job.");
        }

        db.Jobs.Remove(job);
        await db.SaveChangesAsync(ct);
        await SetTriggerAsync(job.Id, null, ct);
        return true;
    }

    /// <summary>Queues a run now (trigger Manual), unless the job has an active run or is disabled; a paused job may run now.</summary>
    /// <returns>The run, or why not; for a conflict with an active run, its id.</returns>
    public async Task<(Outcome<RunDetailDto> Outcome, Guid? ActiveRunId)> RunNowAsync(Guid id, CancellationToken ct)
    {
        var result = await queue.EnqueueAsync(id, RunTrigger.Manual, $"Run now by {caller.Name}", occurrence: null, ct);
        return result.Status switch
        {
            EnqueueStatus.Queued => (await runs.GetAsync(result.Run!.Id, ct), null),
            EnqueueStatus.Busy => (Outcome.Conflict($"Run {result.ActiveRunId} of this job is still active; a job runs once at a time. Wait for it to finish or cancel it."), result.ActiveRunId),
            EnqueueStatus.Disabled => (Outcome.Conflict("The job is disabled. Enable it to run it."), null),
            _ => (Outcome.NotFound, null),
        };
    }

    /// <summary>Stops scheduling the job until it is resumed, with a reason shown on the job. Pausing a paused job keeps its first pause.</summary>
    public async Task<Outcome<JobDto>> PauseAsync(Guid id, PauseJobRequest request, CancellationToken ct)
    {
        var job = await db.Jobs.SingleOrDefaultAsync(j => j.Id == id, ct);
        if (job is null)
        {
            return Outcome.NotFound;
        }

        if (job.PausedAt is null)
        {
            var now = time.GetUtcNow();
            job.PausedAt = now;
            job.PausedReason = string.IsNullOrWhiteSpace(request.Reason) ? $"Paused by {caller.Name}" : $"Paused by {caller.Name}: {request.Reason.Trim()}";
            job.NextRunAt = null;
            audit.Record(AuditEventType.JobPaused, "Job", job.Id, job.RetailerId, new JsonObject { ["reason"] = job.PausedReason });
            await db.SaveChangesAsync(ct);
            await SetTriggerAsync(job, ct);
        }

        return ToDto.From(job);
    }

    /// <summary>Schedules a paused job again from now on, clearing the pause and the consecutive-failure count.</summary>
    public async Task<Outcome<JobDto>> ResumeAsync(Guid id, CancellationToken ct)
    {
        var job = await db.Jobs.SingleOrDefaultAsync(j => j.Id == id, ct);
        if (job is null)
        {
            return Outcome.NotFound;
        }

        if (job.PausedAt is not null)
        {
            var now = time.GetUtcNow();
            var changes = new JsonObject { ["pausedReason"] = job.PausedReason, ["consecutiveFailures"] = job.ConsecutiveFailures };
            job.PausedAt = null;
            job.PausedReason = null;
            job.ConsecutiveFailures = 0;
            job.NextRunAt = job.IsScheduled ? JobSchedule.NextRun(job.CronExpression, job.TimeZone, now) : null;
            audit.Record(AuditEventType.JobResumed, "Job", job.Id, job.RetailerId, changes);
            await db.SaveChangesAsync(ct);
            await SetTriggerAsync(job, ct);
        }

        return ToDto.From(job);
    }

    /// <summary>The job's schedule with its next run times in its zone and in UTC.</summary>
    public async Task<Outcome<JobScheduleDto>> GetScheduleAsync(Guid id, CancellationToken ct)
    {
        var job = await db.Jobs.AsNoTracking().SingleOrDefaultAsync(j => j.Id == id, ct);
        if (job is null)
        {
            return Outcome.NotFound;
        }

        IReadOnlyList<ScheduledTimeDto> next = job.IsScheduled && job.NextRunAt is { } first
            ? [.. JobSchedule.Occurrences(job.CronExpression, job.TimeZone, first, NextRunCount).Select(t => new ScheduledTimeDto(t, t.ToUniversalTime()))]
            : [];
        return new JobScheduleDto(job.Id, job.CronExpression, job.TimeZone, job.Enabled, job.IsScheduled, job.PausedAt, job.PausedReason,
            job.ConsecutiveFailures, scheduling.Value.MaxConsecutiveFailures, job.NextRunAt, next, job.LastSkippedAt, job.LastSkipReason);
    }

    private Task SetTriggerAsync(Job job, CancellationToken ct) => SetTriggerAsync(job.Id, job.IsScheduled ? job.NextRunAt : null, ct);

    /// <summary>
    /// After the commit: the job row is the truth. A scheduler that fails here leaves the row right and the trigger
    /// stale; the reconciler repairs it, so the request does not fail for it.
    /// </summary>
    private async Task SetTriggerAsync(Guid jobId, DateTimeOffset? occurrence, CancellationToken ct)
    {
        try
        {
            await triggers.SetAsync(jobId, occurrence, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            HubLog.TriggerUpdateFailed(log, jobId, e);
        }
    }

    /// <summary>Copies the editable fields after checking that every referenced item belongs to the job's retailer.</summary>
    private async Task<Outcome?> ApplyAsync(Job job, JobFields request, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        var retailerId = job.RetailerId;
        if (!await db.Agents.AnyAsync(a => a.Id == request.AgentId && a.RetailerId == retailerId, ct))
        {
            errors["agentId"] = ["No agent with this id in the job's retailer."];
        }

        var sourceAgent = await db.Sources.Where(s => s.Id == request.SourceId && s.RetailerId == retailerId).Select(s => (Guid?)s.AgentId).SingleOrDefaultAsync(ct);
        if (sourceAgent is null)
        {
            errors["sourceId"] = ["No source with this id in the job's retailer."];
        }
        else if (sourceAgent != request.AgentId)
        {
            errors["sourceId"] = ["The source is read by another agent; a job runs on the agent that reads its source."];
        }

        if (!await db.Destinations.AnyAsync(d => d.Id == request.DestinationId && d.RetailerId == retailerId, ct))
        {
            errors["destinationId"] = ["No destination with this id in the job's retailer."];
        }

        if (await db.Jobs.AnyAsync(j => j.RetailerId == retailerId && j.Name == request.Name && j.Id != job.Id, ct))
        {
            errors["name"] = [$"A job named '{request.Name}' exists already."];
        }

        var timeZone = request.TimeZone ?? await db.Retailers.Where(r => r.Id == retailerId).Select(r => r.TimeZone).SingleAsync(ct);
        var now = time.GetUtcNow();
        if (JobSchedule.NextRun(request.CronExpression, timeZone, now) is null)
        {
            errors["cronExpression"] = ["The expression matches no date (such as 30 February), so the job would never run."];
        }

        var adapterSettings = JsonSettings.Serialize(request.AdapterSettings);
        var filters = JsonSettings.Serialize(request.Filters ?? new JobFilters());
        JsonSettings.CheckSize("adapterSettings", adapterSettings, errors);
        JsonSettings.CheckSize("filters", filters, errors);
        if (errors.Count > 0)
        {
            return Outcome.Invalid(errors);
        }

        job.Name = request.Name.Trim();
        job.AgentId = request.AgentId;
        job.SourceId = request.SourceId;
        job.DestinationId = request.DestinationId;
        job.AdapterPluginId = request.AdapterPluginId;
        job.AdapterSettings = adapterSettings;
        var scheduleChanged = job.CronExpression != request.CronExpression || job.TimeZone != timeZone;
        job.CronExpression = request.CronExpression;
        job.TimeZone = timeZone;
        job.Filters = filters;
        job.SyncMode = request.SyncMode;
        job.Enabled = request.Enabled;
        job.TimeoutSeconds = request.TimeoutSeconds;
        // An unchanged schedule keeps its pending occurrence (one that is due or being fired is not skipped by an edit).
        if (!job.IsScheduled)
        {
            job.NextRunAt = null;
        }
        else if (scheduleChanged || job.NextRunAt is null)
        {
            job.NextRunAt = JobSchedule.NextRun(job.CronExpression, job.TimeZone, now);
        }

        return null;
    }
}
