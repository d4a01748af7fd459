using System.Text.Json;
using GrocerySync.Contracts;
using GrocerySync.Contracts.Agents;
using GrocerySync.Tests.Shared;

namespace GrocerySync.Agent.Tests;

/// <summary>Stopping the agent (gracefully, past the grace period) and a revoked key, with real child processes where signals and exit codes matter.</summary>
public sealed class ShutdownAndRevocationTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task On_SIGTERM_a_running_run_may_finish_within_the_grace_period_and_the_agent_exits_zero()
    {
        Assert.SkipWhen(OperatingSystem.IsWindows(), "sends SIGTERM with kill(1)");
        await using var hub = await HubDouble.StartAsync();
        await TestPlugins.PublishAsync(hub);
        await using var enrolled = await TestAgent.EnrollAsync(hub);
        var gate = Path.Combine(enrolled.Root, "gate");
        var spec = await TestPlugins.RunAsync(Path.Combine(enrolled.Root, "out"), gate: gate);
        using var a = Child(enrolled, "Agent__ShutdownGracePeriod", "00:01:00");
        using var process = a.Start("run", "--config-dir", enrolled.Root);

        hub.Dispatch(spec);
        await Eventually.TrueAsync(() => hub.EventsOf(spec.RunId).Any(e => e.Kind == RunEventKind.Started), "the run started");
        await process.SignalAsync("TERM");
        await Task.Delay(500, Ct);
        Assert.False(process.HasExited, "the agent exited without waiting for its run");
        await File.WriteAllTextAsync(gate, "open", Ct);

        Assert.True(await process.WaitForExitAsync(TimeSpan.FromMinutes(1)) == 0, process.Stderr);
        var finished = hub.FinishedOf(spec.RunId);
        Assert.NotNull(finished);
        Assert.Equal(RunStatus.Succeeded, finished.FinalStatus);
    }

    [Fact]
    public async Task A_run_still_going_when_the_grace_period_ends_is_cancelled_and_reported_failed_before_exit()
    {
        await using var hub = await HubDouble.StartAsync();
        await TestPlugins.PublishAsync(hub);
        await using var agent = await TestAgent.EnrollAsync(hub);
        var first = await TestPlugins.RunAsync(Path.Combine(agent.Root, "out"), gate: Path.Combine(agent.Root, "never"));
        var second = await TestPlugins.RunAsync(Path.Combine(agent.Root, "out2"), gate: Path.Combine(agent.Root, "never"));
        hub.Dispatch(first);
        hub.Dispatch(second); // both in one poll answer: one takes the only slot, the other waits for it
        agent.Start("Agent:ShutdownGracePeriod=00:00:01", "Agent:MaxConcurrentRuns=1");
        await Eventually.TrueAsync(() => hub.Events().Any(e => e.Kind == RunEventKind.Started), "a run started");
        var running = hub.Events().First(e => e.Kind == RunEventKind.Started).RunId;
        var waiting = running == first.RunId ? second.RunId : first.RunId;

        Assert.Equal(0, await agent.StopAsync());

        // Both ended cleanly and the last flush delivered it: the started one, and the one that waited for a slot.
        foreach (var run in new[] { running, waiting })
        {
            var finished = hub.FinishedOf(run);
            Assert.NotNull(finished);
            Assert.Equal(RunStatus.Failed, finished.FinalStatus);
            Assert.Contains("agent was stopped", finished.Message, StringComparison.Ordinal);
        }

        Assert.DoesNotContain(hub.EventsOf(waiting), e => e.Kind == RunEventKind.Started);
    }

    [Fact]
    public async Task A_revoked_key_stops_the_agent_with_its_message_and_exit_code_77_and_it_stays_stopped()
    {
        await using var hub = await HubDouble.StartAsync();
        await using var enrolled = await TestAgent.EnrollAsync(hub);
        using var a = Child(enrolled);
        using var process = a.Start("run", "--config-dir", enrolled.Root);
        await Eventually.TrueAsync(() => hub.Heartbeats.Count >= 2, "the agent heartbeats");

        hub.Revoked = true;
        Assert.Equal(77, await process.WaitForExitAsync(TimeSpan.FromMinutes(1)));
        var errors = process.Stderr;
        Assert.Contains(HubDouble.RevokedDetail, errors, StringComparison.Ordinal);
        Assert.Contains("Enroll it again", errors, StringComparison.Ordinal);

        var status = await a.RunAsync("status", "--config-dir", enrolled.Root, "--output", "json");
        using (var doc = JsonDocument.Parse(status.Stdout))
        {
            Assert.Equal("revoked", doc.RootElement.GetProperty("status").GetString());
        }

        // A restart (a service manager, a person) does not call the hub again: it stops at once with the same code.
        var beats = hub.Heartbeats.Count;
        var again = await a.RunAsync("run", "--config-dir", enrolled.Root);
        Assert.Equal(77, again.ExitCode);
        Assert.Contains("revoked", again.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", again.Stderr, StringComparison.Ordinal);
        Assert.Equal(beats, hub.Heartbeats.Count);
    }

    [Fact]
    public async Task Run_without_enrollment_exits_with_a_clear_message()
    {
        using var a = new AgentProcess();

        var (code, _, stderr) = await a.RunAsync("run", "--config-dir", Path.Combine(a.Root, "nothing"));

        Assert.Equal(5, code);
        Assert.Contains("not enrolled", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Invalid_settings_end_with_every_error_and_exit_code_78()
    {
        await using var hub = await HubDouble.StartAsync();
        await using var enrolled = await TestAgent.EnrollAsync(hub);
        using var a = Child(enrolled, "Agent__MaxConcurrentRuns", "0");
        a.Environment["Agent__ShutdownGracePeriod"] = "-00:00:01";

        var (code, _, stderr) = await a.RunAsync("run", "--config-dir", enrolled.Root);

        Assert.Equal(78, code);
        Assert.Contains("MaxConcurrentRuns", stderr, StringComparison.Ordinal);
        Assert.Contains("Agent:ShutdownGracePeriod", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
    }

    private static AgentProcess Child(TestAgent enrolled, params string[] setting)
    {
        var a = new AgentProcess();
        foreach (var (name, value) in AgentChildProcess.FastSettings)
        {
            a.Environment[name] = value;
        }

        for (var i = 0; i + 1 < setting.Length; i += 2)
        {
            a.Environment[setting[i]] = setting[i + 1];
        }

        Assert.True(File.Exists(enrolled.Folder.ConfigFile));
        return a;
    }
}
