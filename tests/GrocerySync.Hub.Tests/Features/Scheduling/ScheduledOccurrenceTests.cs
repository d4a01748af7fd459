using GrocerySync.Contracts;
using GrocerySync.Hub.Data;
using GrocerySync.Hub.Features.Runs;
using GrocerySync.Hub.Tenancy;
using GrocerySync.Hub.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace GrocerySync.Hub.Tests.Features.Scheduling;

/// <summary>
/// An occurrence is taken once: a second firing of it (another replica, a stale trigger) neither queues a run nor
/// records a skip, because taking it is a conditional update on the job's next occurrence.
/// </summary>
public sealed class ScheduledOccurrenceTests(HubApps apps)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory, DatabaseData]
    public async Task Firing_one_occurrence_twice_queues_one_run_and_the_second_firing_does_nothing(DatabaseProvider provider)
    {
        var app = await apps.GetAsync(provider);
        var tenant = await app.CreateTenantAsync();
        var job = await tenant.AddJobAsync();
        var occurrence = new DateTimeOffset(2026, 6, 1, 0, 30, 0, TimeSpan.Zero);
        await app.WithDbAsync(db => db.Jobs.Where(j => j.Id == job.Id).ExecuteUpdateAsync(s => s.SetProperty(j => j.NextRunAt, occurrence)));
        var taken = new ScheduledOccurrence(occurrence, occurrence.AddDays(1));

        var first = await EnqueueAsync(app, job.Id, taken);
        var second = await EnqueueAsync(app, job.Id, taken);

        Assert.Equal(EnqueueStatus.Queued, first.Status);
        Assert.Equal(EnqueueStatus.Stale, second.Status);
        var stored = await app.QueryDbAsync(db => db.Jobs.AsNoTracking().SingleAsync(j => j.Id == job.Id));
        Assert.Equal((occurrence.AddDays(1), null), (stored.NextRunAt, stored.LastSkippedAt));
        Assert.Equal(1, await app.QueryDbAsync(db => db.JobRuns.CountAsync(r => r.JobId == job.Id)));
    }

    [Theory, DatabaseData]
    public async Task An_occurrence_that_fires_while_a_run_is_active_is_skipped_and_recorded(DatabaseProvider provider)
    {
        var app = await apps.GetAsync(provider);
        var tenant = await app.CreateTenantAsync();
        var job = await tenant.AddJobAsync();
        var active = await Runs.RunsApiTests.AddRunAsync(tenant, job, RunStatus.Running, RunTrigger.Manual, DateTimeOffset.UtcNow);
        var occurrence = new DateTimeOffset(2026, 6, 1, 0, 30, 0, TimeSpan.Zero);
        await app.WithDbAsync(db => db.Jobs.Where(j => j.Id == job.Id).ExecuteUpdateAsync(s => s.SetProperty(j => j.NextRunAt, occurrence)));

        var result = await EnqueueAsync(app, job.Id, new ScheduledOccurrence(occurrence, occurrence.AddDays(1)));

        Assert.Equal((EnqueueStatus.Busy, active.Id), (result.Status, result.ActiveRunId));
        var stored = await app.QueryDbAsync(db => db.Jobs.AsNoTracking().SingleAsync(j => j.Id == job.Id));
        Assert.Equal(occurrence.AddDays(1), stored.NextRunAt);
        Assert.NotNull(stored.LastSkippedAt);
        Assert.Contains(active.Id.ToString(), stored.LastSkipReason, StringComparison.Ordinal);
        Assert.Equal(0, stored.Version - job.Version); // runtime state: no edit, no new version
    }

    private static async Task<EnqueueResult> EnqueueAsync(HubApp app, Guid jobId, ScheduledOccurrence occurrence)
    {
        await using var scope = app.Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<CurrentUser>().SetSystem();
        return await scope.ServiceProvider.GetRequiredService<RunQueue>().EnqueueAsync(jobId, RunTrigger.Schedule, "test occurrence", occurrence, Ct);
    }
}
