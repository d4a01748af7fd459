using GrocerySync.Contracts;
using GrocerySync.Hub.Data;
using GrocerySync.Hub.Features.Dispatch;
using GrocerySync.Hub.Tests.Features.Dispatch;
using GrocerySync.Hub.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace GrocerySync.Hub.Tests.Features.Agents;

public sealed class AgentStatusTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory, DatabaseData]
    public async Task An_agent_is_online_until_interval_plus_60_seconds_pass_without_a_heartbeat_and_one_late_heartbeat_does_not_flap(DatabaseProvider provider)
    {
        var (app, clock) = await AgentKit.StartFakeClockHubAsync(provider);
        await using var _ = app;
        var tenant = await app.CreateTenantAsync();
        var agent = await AgentKit.EnrollAgentAsync(tenant, heartbeatIntervalSeconds: 30);
        var monitor = app.Services.GetRequiredService<HeartbeatMonitor>();
        async Task<Data.Entities.Agent> ReadAsync() => (await app.QueryDbAsync(db => db.Agents.FindAsync([agent.Id], Ct).AsTask()))!;

        await agent.HeartbeatAsync();
        await agent.FlushHeartbeatsAsync();
        var first = await ReadAsync();
        Assert.Equal(AgentStatus.Online, first.Status);
        var lastSeen = first.LastHeartbeatAt!.Value;

        // One late heartbeat: 89 s of silence (interval 30 + 59) keeps it online, and the late one arrives.
        clock.Advance(TimeSpan.FromSeconds(89));
        await monitor.RunOnceAsync(Ct);
        Assert.Equal(AgentStatus.Online, (await ReadAsync()).Status);
        await agent.HeartbeatAsync();
        await agent.FlushHeartbeatsAsync();
        lastSeen = (await ReadAsync()).LastHeartbeatAt!.Value;

        clock.Advance(TimeSpan.FromSeconds(90));
        await monitor.RunOnceAsync(Ct);
        Assert.Equal(AgentStatus.Online, (await ReadAsync()).Status);

        clock.Advance(TimeSpan.FromSeconds(1));
        await monitor.RunOnceAsync(Ct);
        var offline = await ReadAsync();
        Assert.Equal(AgentStatus.Offline, offline.Status);
        Assert.Equal(lastSeen + TimeSpan.FromSeconds(90), offline.OfflineSince);

        // A second replica's pass (or a second pass) changes nothing more; the next heartbeat brings it back.
        await monitor.RunOnceAsync(Ct);
        Assert.Equal(lastSeen + TimeSpan.FromSeconds(90), (await ReadAsync()).OfflineSince);
        await agent.HeartbeatAsync();
        await agent.FlushHeartbeatsAsync();
        var back = await ReadAsync();
        Assert.Equal((AgentStatus.Online, (DateTimeOffset?)null), (back.Status, back.OfflineSince));
    }
}
