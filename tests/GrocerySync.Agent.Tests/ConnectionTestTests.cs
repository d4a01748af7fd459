using GrocerySync.Contracts;
using GrocerySync.Contracts.Agents;

namespace GrocerySync.Agent.Tests;

/// <summary>Destination connection tests the hub hands out with work: run with the catalog's plugin, answered once.</summary>
public sealed class ConnectionTestTests
{
    [Fact]
    public async Task A_test_runs_the_catalogs_folder_plugin_and_reports_ok_for_a_writable_folder_and_failed_for_one_that_cannot_be_created()
    {
        await using var hub = await HubDouble.StartAsync();
        await TestPlugins.PublishAsync(hub);
        await using var agent = await TestAgent.EnrollAsync(hub);
        var writable = Path.Combine(agent.Root, "feeds", "shop");
        var inTheWay = Path.Combine(agent.Root, "not-a-folder");
        await File.WriteAllTextAsync(inTheWay, "a file where the folder should be", TestContext.Current.CancellationToken);
        var ok = await TestPlugins.ConnectionTestAsync(writable);
        var blocked = await TestPlugins.ConnectionTestAsync(Path.Combine(inTheWay, "shop"));
        agent.Start();

        hub.Dispatch(ok);
        hub.Dispatch(blocked);
        await Eventually.TrueAsync(() => hub.TestReports.Count == 2, "both results");

        var good = hub.TestReports[ok.TestId];
        Assert.True(good.Success, good.Message);
        Assert.Equal($"{writable} is writable.", good.Message);
        Assert.Empty(Directory.GetFileSystemEntries(writable));
        var bad = hub.TestReports[blocked.TestId];
        Assert.False(bad.Success);
        Assert.StartsWith($"{Path.Combine(inTheWay, "shop")} is not writable:", bad.Message, StringComparison.Ordinal);
        Assert.Equal(1, hub.Downloads[$"{TestPlugins.DestinationId}/{TestPlugins.Version}"]);

        // Each test's outcome is in the agent's log at the hub too.
        await Eventually.TrueAsync(() => hub.Logs().Any(l => l.Message.Contains($"Connection test {blocked.TestId}", StringComparison.Ordinal) && l.Message.Contains("failed", StringComparison.Ordinal)), "the failed test's log line");
        Assert.Equal(0, await agent.StopAsync());
    }

    [Fact]
    public async Task An_agent_whose_every_run_slot_is_busy_still_answers_a_test_and_takes_the_next_run_when_a_slot_frees()
    {
        await using var hub = await HubDouble.StartAsync();
        await TestPlugins.PublishAsync(hub);
        await using var agent = await TestAgent.EnrollAsync(hub);
        var gate = Path.Combine(agent.Root, "gate");
        var busy = await TestPlugins.RunAsync(Path.Combine(agent.Root, "busy"), gate: gate);
        hub.Dispatch(busy);
        // The longest poll the hub allows: the next run below is taken at once only because a freed slot ends the
        // tests-only poll.
        agent.Start("Agent:MaxConcurrentRuns=1", "Agent:WorkPollWait=00:01:00");
        await Eventually.TrueAsync(() => hub.Events().Any(e => e.RunId == busy.RunId && e.Kind == RunEventKind.Started), "the gated run started");
        await Eventually.TrueAsync(() => hub.MaxRunsAsked.Contains(0), "a tests-only poll while the only slot is busy");

        var test = await TestPlugins.ConnectionTestAsync(Path.Combine(agent.Root, "feeds"));
        hub.Dispatch(test);
        await Eventually.TrueAsync(() => hub.TestReports.ContainsKey(test.TestId), "the test's result while the run is still going");
        Assert.True(hub.TestReports[test.TestId].Success, hub.TestReports[test.TestId].Message);
        Assert.Null(hub.FinishedOf(busy.RunId));

        var next = await TestPlugins.RunAsync(Path.Combine(agent.Root, "next"));
        hub.Dispatch(next);
        File.WriteAllText(gate, "open");
        await Eventually.TrueAsync(() => hub.FinishedOf(next.RunId) is not null, "the next run, taken when the slot freed", seconds: 30);
        Assert.Equal(RunStatus.Succeeded, hub.FinishedOf(busy.RunId)!.FinalStatus);
        Assert.Equal(RunStatus.Succeeded, hub.FinishedOf(next.RunId)!.FinalStatus);
    }

    [Fact]
    public async Task Against_a_hub_that_refuses_tests_only_polls_a_busy_agent_waits_for_a_slot_and_takes_the_next_run()
    {
        await using var hub = await HubDouble.StartAsync();
        hub.RefuseTestsOnlyPolls = true;
        await TestPlugins.PublishAsync(hub);
        await using var agent = await TestAgent.EnrollAsync(hub);
        var gate = Path.Combine(agent.Root, "gate");
        var busy = await TestPlugins.RunAsync(Path.Combine(agent.Root, "busy"), gate: gate);
        hub.Dispatch(busy);
        agent.Start("Agent:MaxConcurrentRuns=1");
        await Eventually.TrueAsync(() => hub.MaxRunsAsked.Contains(0), "the refused tests-only poll");

        var next = await TestPlugins.RunAsync(Path.Combine(agent.Root, "next"));
        hub.Dispatch(next);
        File.WriteAllText(gate, "open");
        await Eventually.TrueAsync(() => hub.FinishedOf(next.RunId) is not null, "the next run, taken when the slot freed", seconds: 30);
        Assert.Equal(1, hub.MaxRunsAsked.Count(m => m == 0)); // asked once, then waited for the slot instead
        Assert.Equal(RunStatus.Succeeded, hub.FinishedOf(next.RunId)!.FinalStatus);
    }

    [Fact]
    public async Task A_test_whose_plugin_cannot_be_loaded_or_whose_settings_are_invalid_reports_Failed_with_the_reason_and_the_agent_goes_on()
    {
        await using var hub = await HubDouble.StartAsync();
        await TestPlugins.PublishAsync(hub);
        await using var agent = await TestAgent.EnrollAsync(hub);
        var missing = await TestPlugins.ConnectionTestAsync(Path.Combine(agent.Root, "out"), pluginId: "no-such-destination");
        var invalid = await TestPlugins.ConnectionTestAsync(Path.Combine(agent.Root, "out"), settings: new Dictionary<string, string?> { ["fileName"] = "../escape.csv" });
        agent.Start();

        hub.Dispatch(missing);
        hub.Dispatch(invalid);
        await Eventually.TrueAsync(() => hub.TestReports.Count == 2, "both results");
        Assert.False(hub.TestReports[missing.TestId].Success);
        Assert.Contains("could not be downloaded", hub.TestReports[missing.TestId].Message, StringComparison.Ordinal);
        Assert.False(hub.TestReports[invalid.TestId].Success);
        Assert.Contains("path", hub.TestReports[invalid.TestId].Message, StringComparison.Ordinal);

        // The agent is still at work: the next test passes.
        var ok = await TestPlugins.ConnectionTestAsync(Path.Combine(agent.Root, "out"));
        hub.Dispatch(ok);
        await Eventually.TrueAsync(() => hub.TestReports.ContainsKey(ok.TestId), "the next test's result");
        Assert.True(hub.TestReports[ok.TestId].Success, hub.TestReports[ok.TestId].Message);
    }

    [Fact]
    public async Task A_result_the_hub_does_not_take_is_tried_a_few_times_then_dropped_with_a_log_line()
    {
        await using var hub = await HubDouble.StartAsync();
        await TestPlugins.PublishAsync(hub);
        await using var agent = await TestAgent.EnrollAsync(hub);
        hub.FailNextTestReports = 1000;
        var test = await TestPlugins.ConnectionTestAsync(Path.Combine(agent.Root, "out"));
        agent.Start();

        hub.Dispatch(test);
        await Eventually.TrueAsync(() => hub.Logs().Any(l => l.Message.Contains($"The result of connection test {test.TestId} was not delivered", StringComparison.Ordinal)), "the dropped result's log line");
        var attempts = hub.TestReportAttempts;
        Assert.InRange(attempts, 3, 6); // 3 attempts, each with Agent:HttpRetries=1 inside the HTTP client.
        Assert.Empty(hub.TestReports);

        // Dropped for good: no later attempt, and the agent still heartbeats and polls.
        var beats = hub.Heartbeats.Count;
        await Eventually.TrueAsync(() => hub.Heartbeats.Count > beats + 1, "heartbeats after the drop");
        Assert.Equal(attempts, hub.TestReportAttempts);
        Assert.Equal(0, await agent.StopAsync());
    }
}
