using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using GrocerySync.Contracts;
using GrocerySync.Hub.Data;
using GrocerySync.Hub.Features.Agents;

namespace GrocerySync.Hub.Tests.EndToEnd;

/// <summary>
/// The real hub refusing the real agent: a revoked key, expired, reused and unknown enrollment tokens. (Agent.Tests
/// prove the agent's handling against a protocol double that answers as it chooses; these prove it understands the
/// real hub's answers.) One hub serves both tests: each has its own retailer, and only the token test moves its clock.
/// </summary>
public sealed class AgentAccessTests(SharedKestrelHub shared) : IClassFixture<SharedKestrelHub>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_revoked_agent_stops_with_the_hubs_message_and_exit_code_77()
    {
        var pair = shared.Revoked;
        await pair.EnrollAsync();
        var agent = pair.StartAgent();
        await pair.WaitOnlineAsync(agent);

        var revoked = await pair.Admin.PostAsync($"/api/v1/agents/{pair.AgentId}/revoke", null, Ct);
        Assert.Equal(HttpStatusCode.OK, revoked.StatusCode);
        var name = (await revoked.Content.ReadFromJsonAsync<AgentDto>(Ct))!.Name;

        Assert.Equal(77, await agent.WaitForExitAsync(TimeSpan.FromMinutes(1)));
        Assert.Contains($"The agent '{name}' was revoked in the hub", agent.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", agent.Stderr, StringComparison.Ordinal);
        Assert.Equal(AgentStatus.Revoked, (await pair.GetAsync<AgentDto>($"/api/v1/agents/{pair.AgentId}")).Status);
    }

    [Fact]
    public async Task Reused_unknown_and_expired_enrollment_tokens_are_refused_with_exit_code_4_and_the_hubs_reason()
    {
        var hub = shared.Hub;
        var lifetime = SharedKestrelHub.TokenLifetime;
        var pair = shared.Tokens;
        var token = (await pair.NewTokenAsync()).Token;
        Assert.Equal(0, (await pair.EnrollAsync(token)).ExitCode);

        var reused = await RefusedAsync(pair, token, "token-unknown");
        Assert.Contains("unknown or was already used", reused, StringComparison.Ordinal);
        var unknown = await RefusedAsync(pair, "gse_" + Convert.ToHexStringLower(Guid.NewGuid().ToByteArray()), "token-unknown");
        Assert.Contains("does not know this enrollment token", unknown, StringComparison.Ordinal);

        // A token works up to its expiry and not after it.
        var fresh = await pair.NewTokenAsync();
        Assert.Equal(hub.Clock.GetUtcNow() + lifetime, fresh.ExpiresAt);
        hub.Clock.SetUtcNow(fresh.ExpiresAt);
        var expired = await RefusedAsync(pair, fresh.Token, "token-expired");
        Assert.Contains($"expired at {fresh.ExpiresAt.UtcDateTime.ToString("u", System.Globalization.CultureInfo.InvariantCulture)}", expired, StringComparison.Ordinal);
        var onTime = await pair.NewTokenAsync();
        hub.Clock.SetUtcNow(onTime.ExpiresAt.AddSeconds(-1));
        Assert.Equal(0, (await pair.EnrollAsync(onTime.Token, Path.Combine(pair.Root, "on-time"))).ExitCode);
    }

    /// <summary>Enrolls a new folder with a token the hub refuses; returns stderr.</summary>
    private static async Task<string> RefusedAsync(RealPair pair, string token, string reason)
    {
        var dir = Path.Combine(pair.Root, "refused-" + Guid.NewGuid().ToString("N")[..8]);
        var (code, stdout, stderr) = await pair.EnrollAsync(token, dir);
        Assert.True(code == 4, $"enroll exited {code}: {stderr}");
        using var doc = JsonDocument.Parse(stdout);
        Assert.Equal(reason, doc.RootElement.GetProperty("reason").GetString());
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(dir, "agent.json")));
        return stderr;
    }
}

/// <summary>
/// One <see cref="KestrelHub"/> for <see cref="AgentAccessTests"/>, with a retailer for each test created before any
/// test moves the clock: users sign in at the hub's (fake) time, and their tokens are checked against the real one.
/// Enrollment tokens live the shortest allowed time, so the expiry test moves the clock minutes, not a day (the hub's
/// periodic services catch up on every tick a jump skips).
/// </summary>
public sealed class SharedKestrelHub : IAsyncLifetime
{
    public static readonly TimeSpan TokenLifetime = TimeSpan.FromMinutes(5);

    private KestrelHub? _hub;
    private RealPair? _revoked;
    private RealPair? _tokens;

    internal KestrelHub Hub => _hub ?? throw new InvalidOperationException("not started");

    internal RealPair Revoked => _revoked ?? throw new InvalidOperationException("not started");

    internal RealPair Tokens => _tokens ?? throw new InvalidOperationException("not started");

    public async ValueTask InitializeAsync()
    {
        _hub = await KestrelHub.StartAsync(DatabaseProvider.Sqlite, ("Hub:Agents:EnrollmentTokenLifetime", TokenLifetime.ToString()));
        _revoked = await RealPair.CreateAsync(_hub);
        _tokens = await RealPair.CreateAsync(_hub);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var pair in new[] { _revoked, _tokens })
        {
            if (pair is not null)
            {
                await pair.DisposeAsync();
            }
        }

        if (_hub is not null)
        {
            await _hub.DisposeAsync();
        }
    }
}
