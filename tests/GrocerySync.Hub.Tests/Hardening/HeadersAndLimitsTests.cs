using System.Net;
using System.Net.Http.Json;
using GrocerySync.Contracts.Agents;
using GrocerySync.Hub.Data;
using GrocerySync.Hub.Tests.Features.Dispatch;
using GrocerySync.Hub.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace GrocerySync.Hub.Tests.Hardening;

public sealed class HeadersAndLimitsTests(HubApps apps)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("/health/live")]
    [InlineData("/api/v1/jobs")]
    [InlineData("/docs")]
    public async Task Every_answer_carries_the_security_headers(string path)
    {
        var app = await apps.GetAsync(DatabaseProvider.Sqlite);
        var tenant = await app.CreateTenantAsync();

        var response = await tenant.Admin.Client.GetAsync(path, Ct);

        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
        Assert.Equal("no-referrer", Assert.Single(response.Headers.GetValues("Referrer-Policy")));
        var csp = Assert.Single(response.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
        Assert.Contains("object-src 'none'", csp, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sign_in_is_rate_limited_per_client_with_retry_after()
    {
        var shared = await apps.GetAsync(DatabaseProvider.Sqlite);
        await using var app = shared.WithWebHostBuilder(b => b.UseSetting("Hub:RateLimits:SignInPerMinute", "3"));
        var client = app.CreateClient();

        var answers = new List<HttpResponseMessage>();
        for (var i = 0; i < 4; i++)
        {
            answers.Add(await client.PostAsJsonAsync("/api/v1/auth/token", new { email = "nobody@test.grocerysync.test", password = "Wrong-Password-123" }, Ct));
        }

        Assert.All(answers.Take(3), r => Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode));
        Assert.Equal(HttpStatusCode.TooManyRequests, answers[3].StatusCode);
        Assert.True(answers[3].Headers.RetryAfter?.Delta > TimeSpan.Zero, "A 429 says when to try again.");
    }

    [Fact]
    public async Task The_api_is_rate_limited_per_user_with_retry_after()
    {
        var shared = await apps.GetAsync(DatabaseProvider.Sqlite);
        var tenant = await shared.CreateTenantAsync();
        await using var app = shared.WithWebHostBuilder(b => b.UseSetting("Hub:RateLimits:ApiPerMinute", "5"));
        var first = HubApp.ClientFor(app, tenant.Admin);
        var second = HubApp.ClientFor(app, tenant.Technician);

        var answers = new List<HttpResponseMessage>();
        for (var i = 0; i < 6; i++)
        {
            answers.Add(await first.GetAsync("/api/v1/jobs", Ct));
        }

        Assert.All(answers.Take(5), r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.Equal(HttpStatusCode.TooManyRequests, answers[5].StatusCode);
        Assert.True(answers[5].Headers.RetryAfter?.Delta > TimeSpan.Zero, "A 429 says when to try again.");
        // Another user of the same address has their own allowance.
        Assert.Equal(HttpStatusCode.OK, (await second.GetAsync("/api/v1/jobs", Ct)).StatusCode);
    }

    [Fact]
    public async Task The_agent_protocol_is_rate_limited_per_agent_key_with_retry_after()
    {
        var shared = await apps.GetAsync(DatabaseProvider.Sqlite);
        var tenant = await shared.CreateTenantAsync();
        var first = await AgentKit.EnrollAgentAsync(tenant);
        var second = await AgentKit.EnrollAgentAsync(tenant);
        await using var app = shared.WithWebHostBuilder(b => b.UseSetting("Hub:Agents:RequestsPerMinute", "3"));
        var firstClient = TestAgent.WithKey(app.CreateClient(), first.ApiKey);
        var secondClient = TestAgent.WithKey(app.CreateClient(), second.ApiKey);
        var heartbeat = new HeartbeatRequest(TestAgent.Identity, [], [], 0);

        var answers = new List<HttpResponseMessage>();
        for (var i = 0; i < 4; i++)
        {
            answers.Add(await firstClient.PostAsJsonAsync("/" + AgentRoutes.Heartbeat, heartbeat, Ct));
        }

        Assert.All(answers.Take(3), r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.Equal(HttpStatusCode.TooManyRequests, answers[3].StatusCode);
        Assert.True(answers[3].Headers.RetryAfter?.Delta > TimeSpan.Zero, "A 429 says when to try again.");
        // Another agent from the same address has its own allowance.
        Assert.Equal(HttpStatusCode.OK, (await secondClient.PostAsJsonAsync("/" + AgentRoutes.Heartbeat, heartbeat, Ct)).StatusCode);
    }

    [Fact]
    public void Api_requests_count_against_the_user_else_the_agent_key_else_the_address()
    {
        var user = Guid.NewGuid();
        var agent = Guid.NewGuid();
        Assert.Equal($"user:{user}", GrocerySync.Hub.Security.RateLimits.PartitionKey(Context(new System.Security.Claims.Claim("sub", user.ToString()), new System.Security.Claims.Claim("role", "Technician"))));
        Assert.Equal($"agent:{agent}", GrocerySync.Hub.Security.RateLimits.PartitionKey(Context(new System.Security.Claims.Claim("agent_id", agent.ToString()))));
        Assert.Equal("ip:198.51.100.4", GrocerySync.Hub.Security.RateLimits.PartitionKey(Context()));

        static Microsoft.AspNetCore.Http.DefaultHttpContext Context(params System.Security.Claims.Claim[] claims)
        {
            var services = new Microsoft.Extensions.DependencyInjection.ServiceCollection().AddScoped<GrocerySync.Hub.Tenancy.CurrentUser>().BuildServiceProvider();
            var http = new Microsoft.AspNetCore.Http.DefaultHttpContext { RequestServices = services };
            http.Connection.RemoteIpAddress = IPAddress.Parse("198.51.100.4");
            http.User = new System.Security.Claims.ClaimsPrincipal(new System.Security.Claims.ClaimsIdentity(claims, claims.Length == 0 ? null : "test"));
            services.GetRequiredService<GrocerySync.Hub.Tenancy.CurrentUser>().SetUser(http.User);
            return http;
        }
    }
}
