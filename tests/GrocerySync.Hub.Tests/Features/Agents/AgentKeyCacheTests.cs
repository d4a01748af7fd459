using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using GrocerySync.Contracts;
using GrocerySync.Contracts.Agents;
using GrocerySync.Hub.Data;
using GrocerySync.Hub.Features.Agents;
using GrocerySync.Hub.Tests.Features.Dispatch;
using GrocerySync.Hub.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace GrocerySync.Hub.Tests.Features.Agents;

public sealed class AgentKeyCacheTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory, DatabaseData]
    public async Task A_revoke_on_another_replica_is_refused_after_the_next_refresh_pass_and_unused_keys_are_forgotten(DatabaseProvider provider)
    {
        // A minute of trust: the background pass (every half of it) stays out of the way while the test drives passes.
        await using var app = await HubApp.StartAsync(provider, new HubAppOptions { Settings = new Dictionary<string, string?> { ["Hub:Agents:KeyCacheDuration"] = "00:01:00" } });
        var cache = app.Services.GetRequiredService<AgentKeyCache>();
        var tenant = await app.CreateTenantAsync();
        var busy = await AgentKit.EnrollAgentAsync(tenant);
        var quiet = await AgentKit.EnrollAgentAsync(tenant);
        await busy.HeartbeatAsync();
        await quiet.HeartbeatAsync();
        Assert.Equal(2, cache.Count);

        // Both were used since the last pass: the pass reads both rows again. Then only one agent keeps calling.
        await cache.RunOnceAsync(Ct);
        Assert.Equal(2, cache.Count);
        await busy.HeartbeatAsync();

        // Another replica revokes both: only the database changes; this replica still trusts what it read.
        await app.WithDbAsync(db => db.Agents.Where(a => a.Id == busy.Id || a.Id == quiet.Id)
            .ExecuteUpdateAsync(s => s.SetProperty(a => a.Status, AgentStatus.Revoked).SetProperty(a => a.RevokedAt, DateTimeOffset.UtcNow), Ct));
        await busy.HeartbeatAsync();

        // The next pass reads the used key's row (now revoked) and forgets the unused one.
        await cache.RunOnceAsync(Ct);
        Assert.Equal(1, cache.Count);
        await AssertRevokedAsync(busy);
        await AssertRevokedAsync(quiet);
    }

    private static async Task AssertRevokedAsync(TestAgent agent)
    {
        var refused = await agent.Client.PostAsJsonAsync("/" + AgentRoutes.Heartbeat, new HeartbeatRequest(TestAgent.Identity, [], [], 0), Ct);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal(AgentKeyHandler.RevokedCode, (await refused.Content.ReadFromJsonAsync<JsonObject>(Ct))!["code"]!.GetValue<string>());
    }
}
