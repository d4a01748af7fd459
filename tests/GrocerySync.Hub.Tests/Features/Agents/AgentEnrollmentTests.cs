using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using GrocerySync.Contracts;
using GrocerySync.Contracts.Agents;
using GrocerySync.Hub.Data;
using GrocerySync.Hub.Features.Agents;
using GrocerySync.Hub.Tests.Features.Dispatch;
using GrocerySync.Hub.Tests.Infrastructure;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace GrocerySync.Hub.Tests.Features.Agents;

public sealed class AgentEnrollmentTests(HubApps apps)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory, DatabaseData]
    public async Task A_technician_enrolls_an_agent_with_a_one_time_token_and_its_first_heartbeat_makes_it_online(DatabaseProvider provider)
    {
        var app = await apps.GetAsync(provider);
        var tenant = await app.CreateTenantAsync();
        var created = await tenant.Technician.Client.PostAsJsonAsync("/api/v1/agents", new { name = "Store 9 back office", heartbeatIntervalSeconds = 30 }, Ct);
        var agent = (await created.Content.ReadFromJsonAsync<AgentDto>(Ct))!;

        var token = await AgentKit.CreateTokenAsync(tenant.Technician, agent.Id);
        Assert.StartsWith("gse_", token.Token, StringComparison.Ordinal);
        Assert.Contains($"--token {token.Token}", token.EnrollCommand, StringComparison.Ordinal);
        Assert.InRange(token.ExpiresAt - DateTimeOffset.UtcNow, TimeSpan.FromHours(23.9), TimeSpan.FromHours(24.1));

        var response = await AgentKit.EnrollAsync(app, token.Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var enrolled = (await response.Content.ReadFromJsonAsync<EnrollResponse>(Ct))!;
        Assert.Equal((agent.Id, tenant.RetailerId, agent.Name, 30), (enrolled.AgentId, enrolled.RetailerId, enrolled.AgentName, enrolled.HeartbeatIntervalSeconds));
        Assert.Matches("^gsa_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$", enrolled.ApiKey);

        // Only hashes are stored: neither the token nor the key's secret is in the agent's row.
        var row = (await app.QueryDbAsync(db => db.Agents.FindAsync([agent.Id], Ct).AsTask()))!;
        Assert.Null(row.EnrollmentTokenHash);
        Assert.Equal(enrolled.ApiKey.Split('_')[1], row.ApiKeyPrefix);
        Assert.Equal(AgentKeys.Hash(enrolled.ApiKey[(enrolled.ApiKey.IndexOf('_', 4) + 1)..]), row.ApiKeyHash);
        Assert.Equal(AgentStatus.Pending, row.Status);

        var client = TestAgent.WithKey(app.CreateAnonymousClient(), enrolled.ApiKey);
        var beat = await client.PostAsJsonAsync("/" + AgentRoutes.Heartbeat, new HeartbeatRequest(new AgentIdentity("0.9.0", "Windows Server 2022", "BO-9"), [new AgentPluginInfo("sql", "1.0.0")], [], 0), Ct);
        Assert.Equal(HttpStatusCode.OK, beat.StatusCode);
        var answer = (await beat.Content.ReadFromJsonAsync<HeartbeatResponse>(Ct))!;
        Assert.Equal(30, answer.HeartbeatIntervalSeconds);
        Assert.True(answer.UpgradeSuggested, "0.9.0 is older than the hub's agent version");
        await app.Services.GetRequiredService<Hub.Features.Dispatch.HeartbeatWriter>().FlushAsync(Ct);

        var shown = (await tenant.Technician.Client.GetFromJsonAsync<AgentDto>($"/api/v1/agents/{agent.Id}", Ct))!;
        Assert.Equal(AgentStatus.Online, shown.Status);
        Assert.Equal(("0.9.0", "Windows Server 2022", "BO-9"), (shown.AgentVersion, shown.OperatingSystem, shown.HostName));
        Assert.True(shown.UpgradeSuggested);
        Assert.Equal(new AgentPluginInfo("sql", "1.0.0"), Assert.Single(shown.Plugins));
        Assert.NotNull(shown.LastHeartbeatAt);
        Assert.Null(shown.OfflineSince);
        Assert.NotNull(shown.EnrolledAt);
    }

    [Theory, DatabaseData]
    public async Task A_used_token_and_a_replaced_token_are_refused_as_unknown(DatabaseProvider provider)
    {
        var app = await apps.GetAsync(provider);
        var tenant = await app.CreateTenantAsync();
        var agent = await tenant.AddAgentAsync();
        var first = await AgentKit.CreateTokenAsync(tenant.Admin, agent.Id);
        var second = await AgentKit.CreateTokenAsync(tenant.Admin, agent.Id);

        var replaced = await AgentKit.EnrollAsync(app, first.Token);
        Assert.Equal(HttpStatusCode.BadRequest, replaced.StatusCode);
        Assert.Equal(EnrollmentService.UnknownCode, (await replaced.Content.ReadFromJsonAsync<JsonObject>(Ct))!["code"]!.GetValue<string>());

        Assert.Equal(HttpStatusCode.OK, (await AgentKit.EnrollAsync(app, second.Token)).StatusCode);
        var reused = await AgentKit.EnrollAsync(app, second.Token);
        Assert.Equal(HttpStatusCode.BadRequest, reused.StatusCode);
        var problem = (await reused.Content.ReadFromJsonAsync<JsonObject>(Ct))!;
        Assert.Equal(EnrollmentService.UnknownCode, problem["code"]!.GetValue<string>());
        Assert.Contains("already used", problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.DoesNotContain(agent.Name, problem.ToJsonString(), StringComparison.Ordinal);

        var garbage = await AgentKit.EnrollAsync(app, "gse_not-a-token");
        Assert.Equal(HttpStatusCode.BadRequest, garbage.StatusCode);
        var empty = await app.CreateAnonymousClient().PostAsJsonAsync("/" + AgentRoutes.Enroll, new { token = "", agent = new { agentVersion = "1.0.0", operatingSystem = "x", hostName = "y" } }, Ct);
        Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
        Assert.NotNull((await empty.Content.ReadFromJsonAsync<JsonObject>(Ct))!["errors"]!["token"]);
    }

    [Theory, DatabaseData]
    public async Task An_enrollment_token_works_until_it_expires_and_is_then_refused_as_expired(DatabaseProvider provider)
    {
        var (app, clock) = await AgentKit.StartFakeClockHubAsync(provider, new HubAppOptions { Settings = new Dictionary<string, string?> { ["Hub:Agents:EnrollPerMinute"] = "3" } });
        await using var _ = app;
        var tenant = await app.CreateTenantAsync();
        var early = await tenant.AddAgentAsync();
        var late = await tenant.AddAgentAsync();
        var earlyToken = await AgentKit.CreateTokenAsync(tenant.Technician, early.Id);
        var lateToken = await AgentKit.CreateTokenAsync(tenant.Technician, late.Id);

        clock.Advance(TimeSpan.FromHours(24) - TimeSpan.FromSeconds(1));
        Assert.Equal(HttpStatusCode.OK, (await AgentKit.EnrollAsync(app, earlyToken.Token)).StatusCode);

        clock.Advance(TimeSpan.FromSeconds(2));
        var expired = await AgentKit.EnrollAsync(app, lateToken.Token);
        Assert.Equal(HttpStatusCode.BadRequest, expired.StatusCode);
        var problem = (await expired.Content.ReadFromJsonAsync<JsonObject>(Ct))!;
        Assert.Equal(EnrollmentService.ExpiredCode, problem["code"]!.GetValue<string>());
        Assert.Contains("expired", problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);

        // Enrollment is rate limited per client IP (3 a minute here): the fourth attempt is refused with Retry-After.
        Assert.Equal(HttpStatusCode.BadRequest, (await AgentKit.EnrollAsync(app, "gse_x")).StatusCode);
        var limited = await AgentKit.EnrollAsync(app, lateToken.Token);
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.NotNull(limited.Headers.RetryAfter);
    }

    [Theory, DatabaseData]
    public async Task A_revoked_agent_gets_401_saying_it_was_revoked(DatabaseProvider provider)
    {
        var app = await apps.GetAsync(provider);
        var tenant = await app.CreateTenantAsync();
        var agent = await AgentKit.EnrollAgentAsync(tenant);
        await agent.HeartbeatAsync();

        Assert.Equal(HttpStatusCode.OK, (await tenant.Admin.Client.PostAsync($"/api/v1/agents/{agent.Id}/revoke", null, Ct)).StatusCode);

        var refused = await agent.Client.PostAsJsonAsync("/" + AgentRoutes.Heartbeat, new HeartbeatRequest(TestAgent.Identity, [], [], 0), Ct);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        var problem = (await refused.Content.ReadFromJsonAsync<JsonObject>(Ct))!;
        Assert.Equal(AgentKeyHandler.RevokedCode, problem["code"]!.GetValue<string>());
        Assert.Contains("was revoked", problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, (await agent.Client.GetAsync($"/{AgentRoutes.Work}?{AgentRoutes.WaitSecondsQuery}=0", Ct)).StatusCode);

        // A revoked agent gets no new token either.
        Assert.Equal(HttpStatusCode.Conflict, (await tenant.Admin.Client.PostAsync($"/api/v1/agents/{agent.Id}/enrollment-token", null, Ct)).StatusCode);
    }

    [Theory, DatabaseData]
    public async Task User_tokens_are_refused_on_the_agent_api_and_agent_keys_on_the_user_api(DatabaseProvider provider)
    {
        var app = await apps.GetAsync(provider);
        var tenant = await app.CreateTenantAsync();
        var agent = await AgentKit.EnrollAgentAsync(tenant);

        var userOnAgentApi = await tenant.Admin.Client.PostAsJsonAsync("/" + AgentRoutes.Heartbeat, new HeartbeatRequest(TestAgent.Identity, [], [], 0), Ct);
        Assert.Equal(HttpStatusCode.Unauthorized, userOnAgentApi.StatusCode);
        Assert.Equal(AgentKeyHandler.InvalidKeyCode, (await userOnAgentApi.Content.ReadFromJsonAsync<JsonObject>(Ct))!["code"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.PlatformAdmin.Client.GetAsync($"/{AgentRoutes.Work}?{AgentRoutes.WaitSecondsQuery}=0", Ct)).StatusCode);

        Assert.Equal(HttpStatusCode.Unauthorized, (await agent.Client.GetAsync("/api/v1/agents", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await agent.Client.GetAsync($"/api/v1/runs", Ct)).StatusCode);

        // A key with a valid prefix but a wrong secret is refused like an unknown one.
        var forged = TestAgent.WithKey(app.CreateAnonymousClient(), agent.ApiKey[..^4] + "AAAA");
        Assert.Equal(HttpStatusCode.Unauthorized, (await forged.GetAsync($"/{AgentRoutes.Work}?{AgentRoutes.WaitSecondsQuery}=0", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await agent.Client.GetAsync($"/{AgentRoutes.Work}?{AgentRoutes.WaitSecondsQuery}=0", Ct)).StatusCode);
    }

    [Theory, DatabaseData]
    public async Task Every_agent_endpoint_but_enroll_requires_an_agent_key(DatabaseProvider provider)
    {
        // The security tests enumerate /api/v1 (user endpoints); this one covers /agent/v1 the same way.
        var app = await apps.GetAsync(provider);
        var endpoints = app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText?.StartsWith("/agent/v1", StringComparison.Ordinal) == true)
            .ToList();
        Assert.Equal(7, endpoints.Count);
        var anonymous = app.CreateAnonymousClient();
        foreach (var endpoint in endpoints)
        {
            var method = endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()!.HttpMethods.Single();
            var url = endpoint.RoutePattern.RawText!.Replace("{id:guid}", Guid.NewGuid().ToString(), StringComparison.Ordinal)
                .Replace("{id}", "sql", StringComparison.Ordinal).Replace("{version}", "1.0.0", StringComparison.Ordinal);
            using var request = new HttpRequestMessage(new HttpMethod(method), url);
            if (method == "POST")
            {
                request.Content = JsonContent.Create(new { });
            }

            var response = await anonymous.SendAsync(request, Ct);
            if (url == "/agent/v1/enroll")
            {
                Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            }
            else
            {
                Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{method} {url} answered {(int)response.StatusCode} to an anonymous caller.");
                Assert.Equal(AgentKeyHandler.InvalidKeyCode, (await response.Content.ReadFromJsonAsync<JsonObject>(Ct))!["code"]!.GetValue<string>());
            }
        }
    }
}
