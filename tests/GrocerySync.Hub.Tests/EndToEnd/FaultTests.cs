using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using GrocerySync.Contracts;
using GrocerySync.Hub.Data;
using GrocerySync.Hub.Features.Agents;
using GrocerySync.Hub.Features.Dispatch;
using GrocerySync.Hub.Features.Runs;
using GrocerySync.Hub.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace GrocerySync.Hub.Tests.EndToEnd;

/// <summary>
/// Faults with the real hub and the real agent process: the hub stopped mid-run, the agent killed mid-run, a revoked
/// agent, refused enrollment tokens. (Agent.Tests prove the agent's side of each against a protocol double; these
/// prove the two real programs agree.)
/// </summary>
public sealed class FaultTests
{
    private const int Valid = 48;
    private static readonly int[] Changed = [5, 6, 40];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory, DatabaseData]
    public async Task With_the_hub_stopped_mid_run_the_agent_finishes_and_the_restarted_hub_gets_every_event_and_log_line_once(DatabaseProvider provider)
    {
        Assert.SkipWhen(OperatingSystem.IsWindows(), "the export is a named pipe (mkfifo)");
        await using var hub = await KestrelHub.StartAsync(provider);
        await using var pair = await RealPair.CreateAsync(hub);
        await pair.MakeExportPipeAsync();
        await pair.EnrollAsync();
        // One run slot: while the run holds it the agent does not poll, so stopping the hub waits for no long-poll.
        var agent = pair.StartAgent(("Agent__MaxConcurrentRuns", "1"));
        await pair.WaitOnlineAsync(agent);
        var run = (await pair.RunNowAsync()).Run;
        var export = Encoding.UTF8.GetBytes(RealPair.Catalog(Valid));

        await using (var pipe = await pair.OpenExportPipeAsync(agent))
        {
            await pipe.WriteAsync(export.AsMemory(0, export.Length / 2), Ct);
            await Poll.UntilAsync(async () => (await pair.RunAsync(run.Id)).Run.Status == RunStatus.Running, "the run to be running", agent);

            await hub.StopAppAsync();
            // A long outage, far past the run's lease: only the hub's clock needs to move for that.
            hub.Clock.Advance(TimeSpan.FromMinutes(10));
            await pipe.WriteAsync(export.AsMemory(export.Length / 2), Ct);
        }

        // The export ended while the hub was down: the run finishes on the agent and its result waits in the outbox.
        await Poll.UntilAsync(() => Task.FromResult(File.Exists(pair.FeedPath)), "the feed written while the hub is down", agent);
        await Poll.UntilAsync(async () => (await pair.OutboxAsync("events")).Waiting > 0 && (agent.Stdout + agent.Stderr).Contains("unreachable", StringComparison.Ordinal), "the run's result buffered", agent);

        await hub.StartAppAsync();
        // The restarted hub's sweeper looks at once: the lease lapsed during the outage, but the agent gets its chance to report.
        hub.Clock.Advance(KestrelHub.SweepInterval);
        await hub.App.Services.GetRequiredService<LeaseSweeper>().RunOnceAsync(Ct);
        var finished = await pair.FinishedAsync(run.Id, agent);
        RealPair.AssertSucceeded(finished, read: Valid + 2, changed: Valid, written: Valid, rejected: 2);
        Assert.Equal(Valid, pair.FeedRows().Count);

        // Hold what the agent produced (its outboxes number every item) against what the hub stored.
        var (producedLines, producedEvents, lines, cursors) = await pair.DeliveredAsync(agent);
        Assert.Equal(producedLines, lines.Count);                  // none lost, none twice
        Assert.Equal(lines.Count, lines.Select(l => (l.Timestamp, l.Message)).Distinct().Count());
        Assert.Equal(new[] { producedEvents, producedLines }.Order(), cursors.Select(c => c.HighestSequence).Order());
        Assert.Contains(lines, l => l.JobRunId == run.Id && l.Message.Contains("succeeded", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.JobRunId is null && l.Message.Contains("The hub is unreachable", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.JobRunId is null && l.Message.Contains("The hub answers again", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_agent_killed_mid_run_ten_times_leaves_no_run_stuck_and_the_next_run_sends_every_change()
    {
        Assert.SkipWhen(OperatingSystem.IsWindows(), "the export is a named pipe (mkfifo) and the agent is killed with SIGKILL");
        await using var hub = await KestrelHub.StartAsync();
        await using var pair = await RealPair.CreateAsync(hub);
        await File.WriteAllTextAsync(pair.SourcePath, RealPair.Catalog(Valid), Ct);
        await pair.EnrollAsync();
        (string, string) oneSlot = ("Agent__MaxConcurrentRuns", "1");
        var agent = pair.StartAgent(oneSlot);
        var baseline = await pair.FinishedAsync((await pair.RunNowAsync()).Run.Id, agent);
        RealPair.AssertSucceeded(baseline, read: Valid + 2, changed: Valid, written: Valid, rejected: 2);
        var state = pair.DeltaStateDigest();
        var feed = await File.ReadAllBytesAsync(pair.FeedPath, Ct);

        // Three prices change, but the export now comes through a pipe the test holds open: each run stops halfway.
        var changedExport = Encoding.UTF8.GetBytes(RealPair.Catalog(Valid, Changed));
        await pair.MakeExportPipeAsync();
        for (var kill = 1; kill <= 10; kill++)
        {
            var run = (await pair.RunNowAsync()).Run;
            await using (var pipe = await pair.OpenExportPipeAsync(agent))
            {
                await pipe.WriteAsync(changedExport.AsMemory(0, changedExport.Length / 2), Ct);
                agent.Kill();
                await agent.WaitForExitAsync(Ct);
                Assert.NotEqual(0, agent.ExitCode);
            }

            agent = pair.StartAgent(oneSlot);
            // What the killed agent had committed to its outbox (the run's start, progress) reaches the hub first; after
            // that nothing renews the run's lease: the restarted agent does not hold it.
            await Poll.UntilAsync(async () => (await pair.OutboxAsync("events")).Waiting == 0, "the killed agent's events delivered", agent);
            var lastRenewal = hub.Clock.GetUtcNow();
            Assert.False((await pair.RunAsync(run.Id)).Run.Status.IsFinal(), $"kill {kill}: the run ended before the kill");

            hub.Clock.Advance(KestrelHub.RunLease + KestrelHub.SweepInterval);
            var ended = await pair.FinishedAsync(run.Id, agent);
            Assert.Equal((RunStatus.Failed, LeaseSweeper.StoppedReporting), (ended.Run.Status, ended.Run.Error));
            Assert.True(ended.Run.FinishedAt <= lastRenewal + KestrelHub.RunLease + KestrelHub.SweepInterval, $"kill {kill}: ended at {ended.Run.FinishedAt:O}, lease from {lastRenewal:O}");
            Assert.Equal(RunStatus.Failed, ended.StatusChanges[^1].ToStatus);
            Assert.DoesNotContain(ended.StatusChanges, c => c.ToStatus == RunStatus.Succeeded);
            Assert.Equal(state, pair.DeltaStateDigest());                              // a killed run never commits the delta state
            Assert.Equal(feed, await File.ReadAllBytesAsync(pair.FeedPath, Ct));    // nor the feed
        }

        // A plain file again: the next run sends every change that the killed runs never delivered.
        File.Delete(pair.SourcePath);
        await File.WriteAllBytesAsync(pair.SourcePath, changedExport, Ct);
        var good = await pair.FinishedAsync((await pair.RunNowAsync()).Run.Id, agent);
        RealPair.AssertSucceeded(good, read: Valid + 2, changed: Changed.Length, written: Changed.Length, rejected: 2);
        var rows = pair.FeedRows();
        Assert.Equal(Changed.Select(i => $"SKU{i:D4}").Order(StringComparer.Ordinal), rows.Keys.Order(StringComparer.Ordinal));
        Assert.All(Changed, i => Assert.Contains(RealPair.Price(i, changed: true), rows[$"SKU{i:D4}"], StringComparison.Ordinal));

        var runs = (await pair.GetAsync<PagedResult<RunDto>>($"/api/v1/runs?jobId={pair.JobId}&pageSize=50")).Items;
        Assert.Equal(12, runs.Count);
        Assert.Equal((2, 10), (runs.Count(r => r.Status == RunStatus.Succeeded), runs.Count(r => r.Status == RunStatus.Failed)));
    }

    [Fact]
    public async Task A_revoked_agent_stops_with_the_hubs_message_and_exit_code_77()
    {
        await using var hub = await KestrelHub.StartAsync();
        await using var pair = await RealPair.CreateAsync(hub);
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
        // The shortest token lifetime: the hub's clock then moves minutes, not a day (its periodic services catch up on every tick).
        var lifetime = TimeSpan.FromMinutes(5);
        await using var hub = await KestrelHub.StartAsync(DatabaseProvider.Sqlite, ("Hub:Agents:EnrollmentTokenLifetime", lifetime.ToString()));
        await using var pair = await RealPair.CreateAsync(hub);
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
