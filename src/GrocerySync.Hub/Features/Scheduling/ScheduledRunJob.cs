using GrocerySync.Hub.Tenancy;
using Quartz;

namespace GrocerySync.Hub.Features.Scheduling;

/// <summary>
/// Fires one occurrence of one hub job: ScheduledRuns queues the run, then the job's trigger is set to whatever
/// occurrence the jobs table now says comes next (which also repairs a trigger that no longer matches the table).
/// </summary>
internal sealed class ScheduledRunJob(IServiceScopeFactory scopes, JobTriggers triggers, ILogger<ScheduledRunJob> log) : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        if (!JobTriggers.TryRead(context.Trigger.Key, out var jobId, out var occurrence))
        {
            HubLog.ForeignTrigger(log, context.Trigger.Key.ToString());
            return;
        }

        DateTimeOffset? next;
        await using (var scope = scopes.CreateAsyncScope())
        {
            scope.ServiceProvider.GetRequiredService<CurrentUser>().SetSystem();
            next = await scope.ServiceProvider.GetRequiredService<ScheduledRuns>().FireAsync(jobId, occurrence, cancellationToken);
        }

        await triggers.SetAsync(jobId, next, cancellationToken);
    }
}
