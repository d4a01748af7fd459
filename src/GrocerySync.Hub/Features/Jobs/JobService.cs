using GrocerySync.Contracts;
using GrocerySync.Hub.Api;
using GrocerySync.Hub.Data;
using GrocerySync.Hub.Data.Entities;
using GrocerySync.Hub.Tenancy;
using Microsoft.EntityFrameworkCore;

namespace GrocerySync.Hub.Features.Jobs;

/// <summary>Sync jobs: what an agent runs, from which source to which destination, and when.</summary>
internal sealed class JobService(HubDbContext db, RetailerScope scope, TimeProvider time)
{
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
        j.SyncMode, j.Enabled, j.TimeoutSeconds, j.NextRunAt, j.LastRunStatus, j.LastRunFinishedAt, j.CreatedAt, j.UpdatedAt, j.Version));

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
        return true;
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
        job.CronExpression = request.CronExpression;
        job.TimeZone = request.TimeZone ?? await db.Retailers.Where(r => r.Id == retailerId).Select(r => r.TimeZone).SingleAsync(ct);
        job.Filters = filters;
        job.SyncMode = request.SyncMode;
        job.Enabled = request.Enabled;
        job.TimeoutSeconds = request.TimeoutSeconds;
        job.NextRunAt = job.Enabled ? JobSchedule.NextRun(job.CronExpression, job.TimeZone, time.GetUtcNow()) : null;
        return null;
    }
}
