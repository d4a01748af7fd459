using GrocerySync.Contracts;
using GrocerySync.Hub.Api;
using GrocerySync.Hub.Data.Entities;
using GrocerySync.Hub.Features.Jobs;
using GrocerySync.Hub.Tenancy;
using GrocerySync.Hub.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace GrocerySync.Hub.Tests.Features.Scheduling;

/// <summary>Drives a hub's real scheduler (Quartz on the hub's clock) occurrence by occurrence with a fake clock.</summary>
internal static class ScheduleHarness
{
    /// <summary>How long (real time) the scheduler gets to act on a clock change; generous, the machine is shared.</summary>
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    /// <summary>Creates a job the way the API does (JobService, so its trigger is set), as the system.</summary>
    public static async Task<JobDto> CreateJobAsync(HubApp app, TestTenant tenant, string cron, string timeZone)
    {
        var agent = await tenant.AddAgentAsync();
        var source = await tenant.AddSourceAsync(agent);
        var destination = await tenant.AddDestinationAsync();
        await using var scope = app.Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<CurrentUser>().SetSystem();
        var outcome = await scope.ServiceProvider.GetRequiredService<JobService>().CreateAsync(new CreateJobRequest
        {
            RetailerId = tenant.RetailerId,
            Name = TestTenant.Unique("scheduled"),
            AgentId = agent.Id,
            SourceId = source.Id,
            DestinationId = destination.Id,
            AdapterPluginId = "grocerysync.adapter.google-merchant",
            CronExpression = cron,
            TimeZone = timeZone,
        }, TestContext.Current.CancellationToken);
        Assert.Equal(OutcomeKind.Ok, outcome.Kind);
        return outcome.Value!;
    }

    public static async Task DeleteJobAsync(HubApp app, Guid jobId)
    {
        await using var scope = app.Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<CurrentUser>().SetSystem();
        Assert.Equal(OutcomeKind.Ok, (await scope.ServiceProvider.GetRequiredService<JobService>().DeleteAsync(jobId, TestContext.Current.CancellationToken)).Kind);
    }

    public static Task<Job> JobAsync(HubApp app, Guid jobId) =>
        app.QueryDbAsync(db => db.Jobs.AsNoTracking().SingleAsync(j => j.Id == jobId));

    public static Task<List<JobRun>> RunsAsync(HubApp app, Guid jobId) =>
        app.QueryDbAsync(db => db.JobRuns.AsNoTracking().Include(r => r.StatusChanges).Where(r => r.JobId == jobId).OrderBy(r => r.QueuedAt).ToListAsync());

    /// <summary>
    /// Sets the clock to each next occurrence up to <paramref name="until"/>, waits until the scheduler has taken it
    /// (the job's next occurrence moved on), and ends its run as an agent would, so the next one is not skipped.
    /// </summary>
    public static async Task FireUntilAsync(HubApp app, FakeTimeProvider clock, Guid jobId, DateTimeOffset until)
    {
        while ((await JobAsync(app, jobId)).NextRunAt is { } next && next < until)
        {
            if (next > clock.GetUtcNow())
            {
                clock.SetUtcNow(next);
            }

            await WaitUntilAsync(async () => (await JobAsync(app, jobId)).NextRunAt != next, $"the occurrence at {next:O} of job {jobId} to be taken");
            await FinishActiveRunsAsync(app, jobId, clock.GetUtcNow());
        }
    }

    public static Task FinishActiveRunsAsync(HubApp app, Guid jobId, DateTimeOffset at) =>
        app.WithDbAsync(db => db.JobRuns.Where(r => r.JobId == jobId && r.Status < RunStatus.Succeeded)
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.Status, RunStatus.Succeeded).SetProperty(r => r.FinishedAt, at)));

    /// <summary>Polls until <paramref name="condition"/> holds, failing after <see cref="Patience"/> (real time).</summary>
    public static async Task WaitUntilAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"Timed out waiting for {what}.");
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>A local wall-clock time in <paramref name="zone"/> as an instant (the time must exist and be unambiguous).</summary>
    public static DateTimeOffset Local(string zone, int year, int month, int day, int hour, int minute)
    {
        var info = TimeZoneInfo.FindSystemTimeZoneById(zone);
        var local = new DateTime(year, month, day, hour, minute, 0, DateTimeKind.Unspecified);
        return new DateTimeOffset(local, info.GetUtcOffset(local));
    }
}
