using GrocerySync.Hub.Data;
using GrocerySync.Hub.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Time.Testing;
using static GrocerySync.Hub.Tests.Features.Scheduling.ScheduleHarness;

namespace GrocerySync.Hub.Tests.Features.Scheduling;

/// <summary>Two hub replicas on one PostgreSQL database form one Quartz cluster: each scheduled run is created once.</summary>
public sealed class ClusterTests
{
    private static readonly DateTimeOffset T0 = new(2026, 6, 1, 10, 0, 30, TimeSpan.Zero);

    [Fact]
    public async Task Two_hubs_on_one_postgres_database_create_each_scheduled_run_once()
    {
        // One clock for both replicas; neither takes the other for dead while the test moves it by minutes.
        var clock = new FakeTimeProvider(T0);
        await using var storage = await HubStorage.CreateAsync(DatabaseProvider.Postgres);
        await using var first = await HubApp.StartAsync(storage, Replica(clock, "replica-1"));
        await using var second = await HubApp.StartAsync(storage, Replica(clock, "replica-2"));
        var tenant = await first.CreateTenantAsync();
        var job = await CreateJobAsync(first, tenant, "* * * * *", "Europe/Amsterdam");

        await FireUntilAsync(second, clock, job.Id, T0.AddMinutes(8));

        var runs = await RunsAsync(first, job.Id);
        Assert.Equal([.. Enumerable.Range(1, 8).Select(m => new DateTimeOffset(2026, 6, 1, 10, m, 0, TimeSpan.Zero))], runs.Select(r => r.QueuedAt));
        var instances = await first.QueryDbAsync(db => db.Database
            .SqlQueryRaw<string>("SELECT instance_name AS \"Value\" FROM qrtz_scheduler_state ORDER BY instance_name").ToListAsync());
        Assert.Equal(["replica-1", "replica-2"], instances);
    }

    private static HubAppOptions Replica(FakeTimeProvider clock, string instanceId) => new()
    {
        Time = clock,
        Settings = new Dictionary<string, string?>
        {
            ["Hub:Scheduling:InstanceId"] = instanceId,
            ["Hub:Scheduling:ClusterFailoverDelay"] = "1.00:00:00",
        },
    };
}
