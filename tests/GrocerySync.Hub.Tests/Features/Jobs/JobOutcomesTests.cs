using System.Net.Http.Json;
using GrocerySync.Contracts;
using GrocerySync.Hub.Data;
using GrocerySync.Hub.Data.Entities;
using GrocerySync.Hub.Features.Jobs;
using GrocerySync.Hub.Features.Runs;
using GrocerySync.Hub.Tests.Features.Runs;
using GrocerySync.Hub.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace GrocerySync.Hub.Tests.Features.Jobs;

/// <summary>
/// What the dispatcher's end of a run does to the job, through the IRunFinishedListener seam as the dispatcher calls
/// it: last status, failures in a row, and the automatic pause at Hub:Scheduling:MaxConsecutiveFailures (30).
/// </summary>
public sealed class JobOutcomesTests(HubApps apps)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory, DatabaseData]
    public async Task A_job_is_paused_at_its_thirtieth_failure_in_a_row_not_before_and_the_pause_is_audited_as_the_system(DatabaseProvider provider)
    {
        var app = await apps.GetAsync(provider);
        var tenant = await app.CreateTenantAsync();
        var job = await tenant.AddJobAsync();

        for (var i = 1; i <= 29; i++)
        {
            await FinishAsync(app, tenant, job, i % 2 == 0 ? RunStatus.TimedOut : RunStatus.Failed);
        }

        var before = await JobAsync(app, job.Id);
        Assert.Equal((29, null, RunStatus.Failed), (before.ConsecutiveFailures, before.PausedAt, before.LastRunStatus));

        var last = await FinishAsync(app, tenant, job, RunStatus.TimedOut);

        var paused = await JobAsync(app, job.Id);
        Assert.Equal(30, paused.ConsecutiveFailures);
        Assert.NotNull(paused.PausedAt);
        Assert.Null(paused.NextRunAt);
        Assert.StartsWith("Paused after 30 consecutive failures", paused.PausedReason, StringComparison.Ordinal);
        Assert.Equal(RunStatus.TimedOut, paused.LastRunStatus);
        var audit = await app.QueryDbAsync(db => db.AuditEvents.AsNoTracking().SingleAsync(e => e.EntityId == job.Id && e.Type == AuditEventType.JobPaused));
        Assert.Equal((null, "system", tenant.RetailerId), (audit.ActorUserId, audit.ActorName, audit.RetailerId));
        Assert.Contains(last.Id.ToString(), audit.Changes, StringComparison.Ordinal);

        // Shown on the job; resuming clears it and starts counting again.
        var shown = await tenant.Technician.Client.GetFromJsonAsync<JobDto>($"/api/v1/jobs/{job.Id}", Ct);
        Assert.Equal(paused.PausedReason, shown!.PausedReason);
        var resumed = await (await tenant.Admin.Client.PostAsync($"/api/v1/jobs/{job.Id}/resume", null, Ct)).Content.ReadFromJsonAsync<JobDto>(Ct);
        Assert.Equal((0, null), (resumed!.ConsecutiveFailures, resumed.PausedReason));
    }

    [Theory, DatabaseData]
    public async Task A_success_resets_the_count_and_a_cancelled_run_leaves_it_alone(DatabaseProvider provider)
    {
        var app = await apps.GetAsync(provider);
        var tenant = await app.CreateTenantAsync();
        var job = await tenant.AddJobAsync();

        await FinishAsync(app, tenant, job, RunStatus.Failed);
        await FinishAsync(app, tenant, job, RunStatus.Failed);
        await FinishAsync(app, tenant, job, RunStatus.Cancelled);
        var afterCancel = await JobAsync(app, job.Id);
        Assert.Equal((2, RunStatus.Cancelled), (afterCancel.ConsecutiveFailures, afterCancel.LastRunStatus));

        await FinishAsync(app, tenant, job, RunStatus.Succeeded);
        var afterSuccess = await JobAsync(app, job.Id);
        Assert.Equal((0, RunStatus.Succeeded), (afterSuccess.ConsecutiveFailures, afterSuccess.LastRunStatus));
        Assert.Null(afterSuccess.PausedAt);
    }

    /// <summary>Ends a new run with <paramref name="status"/> the way the dispatcher does: every listener, then one save.</summary>
    private static async Task<JobRun> FinishAsync(HubApp app, TestTenant tenant, Job job, RunStatus status)
    {
        var run = await RunsApiTests.AddRunAsync(tenant, job, RunStatus.Running, RunTrigger.Schedule, DateTimeOffset.UtcNow);
        await using var scope = app.Services.CreateAsyncScope();
        // An agent's request: a caller that sees no retailer through the tenant filter.
        var db = scope.ServiceProvider.GetRequiredService<HubDbContext>();
        var tracked = await db.JobRuns.IgnoreQueryFilters().SingleAsync(r => r.Id == run.Id, Ct);
        tracked.Status = status;
        tracked.FinishedAt = DateTimeOffset.UtcNow;
        foreach (var listener in scope.ServiceProvider.GetServices<IRunFinishedListener>())
        {
            await listener.OnRunFinishedAsync(db, tracked, Ct);
        }

        await db.SaveChangesAsync(Ct);
        return tracked;
    }

    private static Task<Job> JobAsync(HubApp app, Guid jobId) => app.QueryDbAsync(db => db.Jobs.AsNoTracking().SingleAsync(j => j.Id == jobId));
}
