using GrocerySync.Contracts;
using GrocerySync.Contracts.Agents;

namespace GrocerySync.Agent.Tests;

/// <summary>Store and forward: every event and log line reaches the hub exactly once, in order, whatever the network does.</summary>
public sealed class DeliveryTests
{
    [Fact]
    public async Task With_the_hub_down_during_runs_every_event_and_log_line_is_delivered_once_in_order_after_it_returns()
    {
        await using var hub = await HubDouble.StartAsync();
        await TestPlugins.PublishAsync(hub);
        await using var agent = await TestAgent.EnrollAsync(hub);
        var gate = Path.Combine(agent.Root, "gate");
        var specs = new List<RunSpec>();
        for (var i = 0; i < 3; i++)
        {
            specs.Add(await TestPlugins.RunAsync(Path.Combine(agent.Root, "out" + i), rows: 200, gate: gate));
        }

        agent.Start("Agent:MaxConcurrentRuns=3");
        foreach (var s in specs)
        {
            hub.Dispatch(s);
        }

        await Eventually.TrueAsync(() => hub.Events().Count(e => e.Kind == RunEventKind.Started) == 3, "three runs started");
        await Eventually.TrueAsync(() => Directory.Exists(Path.Combine(agent.Folder.PluginsFolder, TestPlugins.DestinationId, TestPlugins.Version)), "the runs' plugins downloaded");

        // The hub goes away (connections refused); the runs finish meanwhile and everything waits in the outbox.
        await hub.StopAsync();
        File.WriteAllText(gate, "open");
        await Eventually.TrueAsync(() => specs.All(s => File.Exists(Path.Combine(agent.Root, "out" + specs.IndexOf(s), "feed.tsv"))), "the runs wrote their feeds");
        await Eventually.TrueAsync(async () => (await StatusOf(agent)).QueuedEvents >= 3, "the Finished events queued in the outbox");
        await Eventually.TrueAsync(async () => (await StatusOf(agent)).LastError is not null, "the agent noticed the outage");
        Assert.DoesNotContain(hub.Events(), e => e.Kind == RunEventKind.Finished);

        await hub.StartAsync();
        await Eventually.TrueAsync(() => specs.All(s => hub.FinishedOf(s.RunId) is not null), "every Finished event after the hub returned");
        await Eventually.TrueAsync(async () => (await StatusOf(agent)).QueuedOutboxItems == 0, "the outbox emptied");

        var events = hub.Events();
        Assert.Equal(events.Select(e => e.Sequence).Order(), events.Select(e => e.Sequence));
        Assert.Equal(events.Length, events.Select(e => e.Sequence).Distinct().Count());
        foreach (var s in specs)
        {
            var mine = hub.EventsOf(s.RunId);
            Assert.Single(mine, e => e.Kind == RunEventKind.Started);
            Assert.Single(mine, e => e.Kind == RunEventKind.Finished);
            Assert.Equal(RunStatus.Succeeded, hub.FinishedOf(s.RunId)!.FinalStatus);
            Assert.Equal(200, hub.FinishedOf(s.RunId)!.Counts!.Written);
        }

        var logs = hub.Logs();
        Assert.Equal(logs.Select(l => l.Sequence).Order(), logs.Select(l => l.Sequence));
        Assert.Equal(logs.Length, logs.Select(l => l.Sequence).Distinct().Count());
        foreach (var s in specs)
        {
            Assert.Single(logs, l => l.RunId == s.RunId && l.Message.StartsWith($"Run {s.RunId} of job {s.JobName} started", StringComparison.Ordinal));
            Assert.Single(logs, l => l.RunId == s.RunId && l.Message.StartsWith($"Run {s.RunId} of job {s.JobName} succeeded", StringComparison.Ordinal));
        }

        Assert.True(logs.Any(l => l.RunId is null && l.Message.Contains("unreachable", StringComparison.Ordinal)), string.Join("\n", logs.Select(l => $"{l.RunId} {l.Level} {l.Category} {l.Message}")));
        Assert.Contains(logs, l => l.RunId is null && l.Message.Contains("answers again", StringComparison.Ordinal));
        Assert.Equal(0, hub.DroppedLinesReported);
    }

    [Fact]
    public async Task A_batch_resent_after_its_answer_was_lost_is_not_applied_twice()
    {
        await using var hub = await HubDouble.StartAsync();
        await TestPlugins.PublishAsync(hub);
        await using var agent = await TestAgent.EnrollAsync(hub);
        hub.LoseNextEventAnswers = 3;
        hub.LoseNextLogAnswers = 3;
        var specs = new List<RunSpec>();
        for (var i = 0; i < 3; i++)
        {
            specs.Add(await TestPlugins.RunAsync(Path.Combine(agent.Root, "out" + i)));
        }

        agent.Start();
        foreach (var s in specs)
        {
            hub.Dispatch(s);
        }

        await Eventually.TrueAsync(() => specs.All(s => hub.FinishedOf(s.RunId) is not null), "every run finished");
        await Eventually.TrueAsync(async () => (await StatusOf(agent)).QueuedOutboxItems == 0, "the outbox emptied");

        // The agent did resend (the hub saw sequences again) and the hub applied each item once.
        Assert.True(hub.ResentEventsIgnored > 0, "the agent never resent an event batch");
        Assert.True(hub.ResentLogsIgnored > 0, "the agent never resent a log batch");
        var events = hub.Events();
        Assert.Equal(events.Length, events.Select(e => e.Sequence).Distinct().Count());
        Assert.All(specs, s => Assert.Single(hub.EventsOf(s.RunId), e => e.Kind == RunEventKind.Started));
        Assert.All(specs, s => Assert.Single(hub.EventsOf(s.RunId), e => e.Kind == RunEventKind.Finished));
        var logs = hub.Logs();
        Assert.Equal(logs.Length, logs.Select(l => l.Sequence).Distinct().Count());
    }

    [Fact]
    public async Task A_hub_answering_503_is_retried_until_it_recovers()
    {
        await using var hub = await HubDouble.StartAsync();
        await TestPlugins.PublishAsync(hub);
        await using var agent = await TestAgent.EnrollAsync(hub);
        var spec = await TestPlugins.RunAsync(Path.Combine(agent.Root, "out"), gate: Path.Combine(agent.Root, "gate"));
        agent.Start();
        hub.Dispatch(spec);
        await Eventually.TrueAsync(() => hub.EventsOf(spec.RunId).Any(e => e.Kind == RunEventKind.Started), "the run started");
        await Eventually.TrueAsync(() => Directory.Exists(Path.Combine(agent.Folder.PluginsFolder, TestPlugins.DestinationId, TestPlugins.Version)), "the run's plugins downloaded");

        hub.Failing = true;
        File.WriteAllText(Path.Combine(agent.Root, "gate"), "open");
        await Eventually.TrueAsync(async () => (await StatusOf(agent)).LastError?.Contains("503", StringComparison.Ordinal) == true, "the agent saw the hub failing");
        hub.Failing = false;

        await Eventually.TrueAsync(() => hub.FinishedOf(spec.RunId) is not null, "the Finished event after recovery");
        Assert.Equal(RunStatus.Succeeded, hub.FinishedOf(spec.RunId)!.FinalStatus);
    }

    private static Task<Commands.StatusOutput> StatusOf(TestAgent agent) =>
        Commands.StatusCommand.ReadAsync(agent.Folder, TimeProvider.System, TestContext.Current.CancellationToken);
}
