using System.Net;
using System.Net.Http.Json;
using GrocerySync.Hub.Data;
using GrocerySync.Hub.Tests.Infrastructure;

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
}
