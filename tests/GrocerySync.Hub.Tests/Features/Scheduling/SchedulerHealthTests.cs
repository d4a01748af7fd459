using System.Net;
using GrocerySync.Hub.Data;
using GrocerySync.Hub.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Quartz;

namespace GrocerySync.Hub.Tests.Features.Scheduling;

/// <summary>/health/ready includes the scheduler: ready only while it is started and not in standby.</summary>
public sealed class SchedulerHealthTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory, DatabaseData]
    public async Task Readiness_fails_while_the_scheduler_is_in_standby(DatabaseProvider provider)
    {
        await using var storage = await HubStorage.CreateAsync(provider);
        await using var app = await HubApp.StartAsync(storage, new HubAppOptions());
        var client = app.CreateAnonymousClient();
        var scheduler = await app.Services.GetRequiredService<ISchedulerFactory>().GetScheduler(Ct);
        await ScheduleHarness.WaitUntilAsync(async () => (await client.GetAsync("/health/ready", Ct)).StatusCode == HttpStatusCode.OK, "the hub to be ready");

        await scheduler.Standby(Ct);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await client.GetAsync("/health/ready", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/live", Ct)).StatusCode);

        await scheduler.Start(Ct);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/ready", Ct)).StatusCode);
    }
}
