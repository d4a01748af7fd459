using GrocerySync.Contracts;
using GrocerySync.Hub.Data;
using GrocerySync.Hub.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;
using static GrocerySync.Hub.Tests.Features.Scheduling.ScheduleHarness;

namespace GrocerySync.Hub.Tests.Features.Scheduling;

/// <summary>
/// Daily jobs across daylight-saving changes, fired by the hub's real scheduler on a fake clock: the day before,
/// the day of the change and the day after, each with exactly one run at the expected instant.
/// </summary>
public sealed class DaylightSavingTests
{
    [Theory, DatabaseData]
    public async Task A_0230_daily_job_runs_once_on_the_spring_forward_day_at_the_moment_the_clocks_jump(DatabaseProvider provider)
    {
        // 2026: New York springs forward on 8 March (02:00 EST → 03:00 EDT), Amsterdam on 29 March (02:00 CET → 03:00 CEST).
        var clock = new FakeTimeProvider(Local("America/New_York", 2026, 3, 7, 0, 0));
        await using var storage = await HubStorage.CreateAsync(provider);
        await using var app = await HubApp.StartAsync(storage, new HubAppOptions { Time = clock });
        var tenant = await app.CreateTenantAsync();

        var newYork = await RunThreeDaysAsync(app, tenant, clock, "30 2 * * *", "America/New_York", new DateOnly(2026, 3, 7));
        Assert.Equal(
        [
            Local("America/New_York", 2026, 3, 7, 2, 30),
            Local("America/New_York", 2026, 3, 8, 3, 0), // 02:30 does not exist that night: the run starts as the clocks jump.
            Local("America/New_York", 2026, 3, 9, 2, 30),
        ], newYork);

        var amsterdam = await RunThreeDaysAsync(app, tenant, clock, "30 2 * * *", "Europe/Amsterdam", new DateOnly(2026, 3, 28));
        Assert.Equal(
        [
            Local("Europe/Amsterdam", 2026, 3, 28, 2, 30),
            Local("Europe/Amsterdam", 2026, 3, 29, 3, 0),
            Local("Europe/Amsterdam", 2026, 3, 30, 2, 30),
        ], amsterdam);
    }

    [Theory, DatabaseData]
    public async Task A_daily_job_at_a_time_that_occurs_twice_on_the_fall_back_day_runs_once_at_its_first_pass(DatabaseProvider provider)
    {
        // 2026: Amsterdam falls back on 25 October (03:00 CEST → 02:00 CET, so 02:30 happens twice), New York on
        // 1 November (02:00 EDT → 01:00 EST, so 01:30 happens twice).
        var clock = new FakeTimeProvider(Local("Europe/Amsterdam", 2026, 10, 24, 0, 0));
        await using var storage = await HubStorage.CreateAsync(provider);
        await using var app = await HubApp.StartAsync(storage, new HubAppOptions { Time = clock });
        var tenant = await app.CreateTenantAsync();

        var amsterdam = await RunThreeDaysAsync(app, tenant, clock, "30 2 * * *", "Europe/Amsterdam", new DateOnly(2026, 10, 24));
        Assert.Equal(
        [
            Local("Europe/Amsterdam", 2026, 10, 24, 2, 30),
            new DateTimeOffset(2026, 10, 25, 2, 30, 0, TimeSpan.FromHours(2)), // the first 02:30 (CEST), not the second (CET)
            Local("Europe/Amsterdam", 2026, 10, 26, 2, 30),
        ], amsterdam);

        var newYork = await RunThreeDaysAsync(app, tenant, clock, "30 1 * * *", "America/New_York", new DateOnly(2026, 10, 31));
        Assert.Equal(
        [
            Local("America/New_York", 2026, 10, 31, 1, 30),
            new DateTimeOffset(2026, 11, 1, 1, 30, 0, TimeSpan.FromHours(-4)), // 01:30 EDT, not 01:30 EST an hour later
            Local("America/New_York", 2026, 11, 2, 1, 30),
        ], newYork);
    }

    /// <summary>Fires a new job from local midnight of <paramref name="first"/> for three days; answers its runs' queue times, in its zone.</summary>
    private static async Task<List<DateTimeOffset>> RunThreeDaysAsync(HubApp app, TestTenant tenant, FakeTimeProvider clock, string cron, string zone, DateOnly first)
    {
        var start = Local(zone, first.Year, first.Month, first.Day, 0, 0);
        if (clock.GetUtcNow() < start)
        {
            clock.SetUtcNow(start);
        }

        var job = await CreateJobAsync(app, tenant, cron, zone);
        var end = Local(zone, first.Year, first.Month, first.Day, 0, 0).AddDays(3);
        await FireUntilAsync(app, clock, job.Id, end);
        var runs = await RunsAsync(app, job.Id);
        await DeleteJobAsync(app, job.Id);

        Assert.All(runs, r => Assert.Equal(RunTrigger.Schedule, r.Trigger));
        var zoneInfo = TimeZoneInfo.FindSystemTimeZoneById(zone);
        return [.. runs.Select(r => TimeZoneInfo.ConvertTime(r.QueuedAt, zoneInfo))];
    }
}
