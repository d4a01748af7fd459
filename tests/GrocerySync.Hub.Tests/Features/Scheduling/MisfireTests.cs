using GrocerySync.Hub.Data;
using GrocerySync.Hub.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;
using static GrocerySync.Hub.Tests.Features.Scheduling.ScheduleHarness;

namespace GrocerySync.Hub.Tests.Features.Scheduling;

/// <summary>
/// The misfire policy across a real restart on one database (PostgreSQL keeps its triggers, SQLite's in-memory
/// store rebuilds them): occurrences missed while no hub ran fire once when it is back, and only when the first of
/// them is no older than Hub:Scheduling:MisfireThreshold (1 h by default). Both sides of the threshold.
/// </summary>
public sealed class MisfireTests
{
    private static readonly DateTimeOffset T0 = new(2026, 6, 1, 10, 0, 0, TimeSpan.Zero);

    [Theory, DatabaseData]
    public async Task Occurrences_missed_while_the_hub_was_down_run_once_when_it_is_back_within_the_threshold(DatabaseProvider provider)
    {
        // The 10:15 occurrence is 59 minutes late at 11:14; 10:30, 10:45 and 11:00 were missed too.
        var (job, runs, clock) = await RestartAfterAsync(provider, T0.AddMinutes(15 + 59));

        var run = Assert.Single(runs);
        Assert.Equal(clock.GetUtcNow(), run.QueuedAt);
        Assert.Equal(T0.AddMinutes(75), job.NextRunAt); // the first occurrence after now: the missed ones are not made up
        Assert.Null(job.LastSkippedAt);
    }

    [Theory, DatabaseData]
    public async Task An_occurrence_missed_for_longer_than_the_threshold_is_skipped_and_recorded(DatabaseProvider provider)
    {
        var (job, runs, clock) = await RestartAfterAsync(provider, T0.AddMinutes(15 + 61));

        Assert.Empty(runs);
        Assert.Equal(clock.GetUtcNow(), job.LastSkippedAt);
        Assert.Contains("missed", job.LastSkipReason, StringComparison.Ordinal);
        Assert.Equal(T0.AddMinutes(90), job.NextRunAt);
    }

    /// <summary>Creates a quarter-hourly job at 10:00, stops the hub, moves the clock to <paramref name="back"/>, starts a hub again and lets it settle.</summary>
    private static async Task<(GrocerySync.Hub.Data.Entities.Job Job, List<GrocerySync.Hub.Data.Entities.JobRun> Runs, FakeTimeProvider Clock)> RestartAfterAsync(DatabaseProvider provider, DateTimeOffset back)
    {
        var clock = new FakeTimeProvider(T0);
        await using var storage = await HubStorage.CreateAsync(provider);
        Guid jobId;
        await using (var before = await HubApp.StartAsync(storage, new HubAppOptions { Time = clock }))
        {
            var tenant = await before.CreateTenantAsync();
            jobId = (await CreateJobAsync(before, tenant, "*/15 * * * *", "Europe/Amsterdam")).Id;
            Assert.Equal(T0.AddMinutes(15), (await JobAsync(before, jobId)).NextRunAt);
        }

        clock.SetUtcNow(back);
        await using var after = await HubApp.StartAsync(storage, new HubAppOptions { Time = clock });
        await WaitUntilAsync(async () => (await JobAsync(after, jobId)).NextRunAt != T0.AddMinutes(15), "the missed occurrence to be taken");
        return (await JobAsync(after, jobId), await RunsAsync(after, jobId), clock);
    }
}
