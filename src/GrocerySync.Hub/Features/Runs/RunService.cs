using System.Linq.Expressions;
using GrocerySync.Contracts;
using GrocerySync.Hub.Api;
using GrocerySync.Hub.Data;
using GrocerySync.Hub.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace GrocerySync.Hub.Features.Runs;

/// <summary>Run history (reads); RunLifecycle writes state changes, RunCancellation cancels.</summary>
internal sealed class RunService(HubDbContext db)
{
    private static readonly Ordering<JobRun> ListOrdering = Ordering<JobRun>.By("-queuedAt", r => r.Id)
        .Add("queuedAt", r => r.QueuedAt)
        .Add("finishedAt", r => r.FinishedAt)
        .Add("status", r => r.Status);

    private static readonly Expression<Func<JobRun, RunDto>> ToDto = r => new RunDto(
        r.Id, r.RetailerId, r.JobId, r.Job!.Name, r.AgentId, r.Trigger, r.Status, r.QueuedAt, r.StartedAt, r.FinishedAt,
        r.RecordsRead, r.RecordsChanged, r.RecordsWritten, r.RecordsRejected, r.BytesWritten, r.Error, r.CancelRequestedAt);

    public Task<Outcome<PagedResult<RunDto>>> ListAsync(ListQuery list, RunListQuery filter, CancellationToken ct)
    {
        var query = db.JobRuns.AsNoTracking();
        if (!string.IsNullOrWhiteSpace(list.Search))
        {
            var term = list.Search.Trim().ToLower();
            query = query.Where(r => r.Job!.Name.ToLower().Contains(term));
        }

        if (filter.RetailerId is { } retailerId)
        {
            query = query.Where(r => r.RetailerId == retailerId);
        }

        if (filter.JobId is { } jobId)
        {
            query = query.Where(r => r.JobId == jobId);
        }

        if (filter.AgentId is { } agentId)
        {
            query = query.Where(r => r.AgentId == agentId);
        }

        if (filter.Status is { } status)
        {
            query = query.Where(r => r.Status == status);
        }

        if (filter.Trigger is { } trigger)
        {
            query = query.Where(r => r.Trigger == trigger);
        }

        if (filter.QueuedFrom is { } from)
        {
            query = query.Where(r => r.QueuedAt >= from);
        }

        if (filter.QueuedTo is { } to)
        {
            query = query.Where(r => r.QueuedAt < to);
        }

        return query.ToPageAsync(list, ListOrdering, ToDto, ct);
    }

    /// <summary>One run with its status changes in the order they happened; another tenant's run is not found.</summary>
    public async Task<Outcome<RunDetailDto>> GetAsync(Guid id, CancellationToken ct)
    {
        var run = await db.JobRuns.AsNoTracking().Where(r => r.Id == id).Select(ToDto).SingleOrDefaultAsync(ct);
        if (run is null)
        {
            return Outcome.NotFound;
        }

        var changes = await db.JobRunStatusChanges.AsNoTracking()
            .Where(c => c.JobRunId == id)
            .OrderBy(c => c.At).ThenBy(c => c.Id)
            .Select(c => new RunStatusChangeDto(c.FromStatus, c.ToStatus, c.At, c.Reason))
            .ToListAsync(ct);
        return new RunDetailDto(run, changes);
    }
}
