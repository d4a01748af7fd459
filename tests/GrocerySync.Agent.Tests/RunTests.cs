using GrocerySync.Contracts;
using GrocerySync.Contracts.Agents;

namespace GrocerySync.Agent.Tests;

/// <summary>Hub runs end to end in the agent worker: plugins from the hub, the engine, events through the outbox.</summary>
public sealed class RunTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_dispatched_run_downloads_its_plugins_writes_the_feed_and_reports_started_progress_and_finished()
    {
        await using var hub = await HubDouble.StartAsync();
        await TestPlugins.PublishAsync(hub);
        await using var agent = await TestAgent.EnrollAsync(hub);
        var output = Path.Combine(agent.Root, "out");
        var spec = await TestPlugins.RunAsync(output, rows: 25, password: "s3cr3t-Pa55word");
        agent.Start();

        hub.Dispatch(spec);
        await Eventually.TrueAsync(() => hub.FinishedOf(spec.RunId) is not null, "the run's Finished event");

        var events = hub.EventsOf(spec.RunId);
        Assert.Equal(RunEventKind.Started, events[0].Kind);
        var finished = events[^1];
        Assert.Equal(RunEventKind.Finished, finished.Kind);
        Assert.True(finished.FinalStatus == RunStatus.Succeeded, finished.Message);
        Assert.Equal(new RunCounts(25, 25, 25, 0, finished.Counts!.BytesWritten), finished.Counts);
        Assert.Equal(26, File.ReadAllLines(Path.Combine(output, "feed.tsv")).Length);
        Assert.Equal(events.Select(e => e.Sequence).Order(), events.Select(e => e.Sequence));

        // Logs of the run reach the hub with its run id; the source's secret setting is never in a log line.
        await Eventually.TrueAsync(() => hub.Logs().Any(l => l.RunId == spec.RunId && l.Message.Contains("succeeded", StringComparison.Ordinal)), "the run's success line");
        Assert.Contains(hub.Logs(), l => l.RunId == spec.RunId && l.Message.Contains("started", StringComparison.Ordinal));
        Assert.DoesNotContain(hub.Logs(), l => l.Message.Contains("s3cr3t", StringComparison.Ordinal) || (l.Properties ?? string.Empty).Contains("s3cr3t", StringComparison.Ordinal));

        // Heartbeats carry identity, plugin inventory, and the agent's backlog.
        await Eventually.TrueAsync(() => hub.Heartbeats.Any(h => h.Plugins.Any(p => p.Id == TestPlugins.SourceId)), "a heartbeat listing the downloaded plugin");
        var beat = hub.Heartbeats.Last();
        Assert.Equal(Environment.MachineName, beat.Agent.HostName);
        Assert.False(string.IsNullOrWhiteSpace(beat.Agent.OperatingSystem));
        Assert.Equal(0, await agent.StopAsync());
    }

    [Fact]
    public async Task A_plugin_error_that_repeats_a_secret_setting_reaches_the_hub_with_the_secret_masked()
    {
        await using var hub = await HubDouble.StartAsync();
        await TestPlugins.PublishAsync(hub);
        await using var agent = await TestAgent.EnrollAsync(hub);
        // '+' and '"' are escaped in JSON: the mask must see the value before the log line's properties are written.
        const string password = "s3cr3t+\"Pa55word";
        var spec = await TestPlugins.RunAsync(Path.Combine(agent.Root, "out"), password: password, fail: $"login refused for user bob with password {password}");
        agent.Start();

        hub.Dispatch(spec);
        await Eventually.TrueAsync(() => hub.FinishedOf(spec.RunId) is not null, "the run's Finished event");

        var finished = hub.FinishedOf(spec.RunId)!;
        Assert.Equal(RunStatus.Failed, finished.FinalStatus);
        Assert.Equal("login refused for user bob with password ***", finished.Message);
        await Eventually.TrueAsync(() => hub.Logs().Any(l => l.RunId == spec.RunId && l.Message.Contains("login refused", StringComparison.Ordinal)), "the run's failure line");
        Assert.DoesNotContain(hub.Logs(), l => l.Message.Contains(password, StringComparison.Ordinal) || PropertyValues(l.Properties).Any(v => v.Contains(password, StringComparison.Ordinal)));
        Assert.Contains(hub.Logs(), l => PropertyValues(l.Properties).Any(v => v.Contains("password ***", StringComparison.Ordinal)));
        Assert.Equal(0, await agent.StopAsync());
    }

    private static IEnumerable<string> PropertyValues(string? properties) =>
        properties is null
            ? []
            : [.. System.Text.Json.JsonDocument.Parse(properties).RootElement.EnumerateObject()
                .Where(p => p.Value.ValueKind == System.Text.Json.JsonValueKind.String).Select(p => p.Value.GetString()!)];

    [Fact]
    public async Task A_second_run_uses_the_cached_plugins_without_downloading_them_again()
    {
        await using var hub = await HubDouble.StartAsync();
        await TestPlugins.PublishAsync(hub);
        await using var agent = await TestAgent.EnrollAsync(hub);
        var output = Path.Combine(agent.Root, "out");
        agent.Start();

        var first = await TestPlugins.RunAsync(output);
        hub.Dispatch(first);
        await Eventually.TrueAsync(() => hub.FinishedOf(first.RunId) is not null, "the first run");
        Assert.Equal(0, await agent.StopAsync());

        // A new agent process on the same folder: nothing loaded in memory, the packages come from the disk cache.
        agent.Start();
        var second = await TestPlugins.RunAsync(output);
        hub.Dispatch(second);
        await Eventually.TrueAsync(() => hub.FinishedOf(second.RunId) is not null, "the second run");

        Assert.Equal(RunStatus.Succeeded, hub.FinishedOf(second.RunId)!.FinalStatus);
        Assert.Equal(1, hub.Downloads[$"{TestPlugins.SourceId}/{TestPlugins.Version}"]);
        Assert.Equal(1, hub.Downloads[$"{TestPlugins.AdapterId}/{TestPlugins.Version}"]);
        Assert.True(Directory.Exists(Path.Combine(agent.Folder.PluginsFolder, TestPlugins.SourceId, TestPlugins.Version)));
    }

    [Fact]
    public async Task A_package_whose_hash_differs_from_the_run_spec_is_discarded_and_fails_the_run_with_that_reason()
    {
        await using var hub = await HubDouble.StartAsync();
        await TestPlugins.PublishAsync(hub);
        await using var agent = await TestAgent.EnrollAsync(hub);
        var wrong = new string('a', 64);
        var spec = await TestPlugins.RunAsync(Path.Combine(agent.Root, "out"), sourceSha: wrong);
        agent.Start();

        hub.Dispatch(spec);
        await Eventually.TrueAsync(() => hub.FinishedOf(spec.RunId) is not null, "the run's Finished event");

        var finished = hub.FinishedOf(spec.RunId)!;
        Assert.Equal(RunStatus.Failed, finished.FinalStatus);
        Assert.Contains("refused", finished.Message, StringComparison.Ordinal);
        Assert.Contains(wrong, finished.Message, StringComparison.Ordinal);
        Assert.Contains(await TestPlugins.Sha256Async(TestPlugins.SourceId), finished.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(agent.Folder.PluginsFolder, TestPlugins.SourceId)));
        Assert.Empty(Directory.GetFileSystemEntries(agent.Folder.PluginsFolder, ".download-*"));
        Assert.False(File.Exists(Path.Combine(agent.Root, "out", "feed.tsv")));
    }

    [Fact]
    public async Task A_cached_package_changed_on_disk_is_downloaded_again()
    {
        await using var hub = await HubDouble.StartAsync();
        await TestPlugins.PublishAsync(hub);
        await using var agent = await TestAgent.EnrollAsync(hub);
        var output = Path.Combine(agent.Root, "out");
        agent.Start();
        var first = await TestPlugins.RunAsync(output);
        hub.Dispatch(first);
        await Eventually.TrueAsync(() => hub.FinishedOf(first.RunId) is not null, "the first run");
        await agent.StopAsync();

        await File.AppendAllTextAsync(Path.Combine(agent.Folder.PluginsFolder, TestPlugins.SourceId, TestPlugins.Version, "plugin.json"), " ", Ct);
        agent.Start();
        var second = await TestPlugins.RunAsync(output);
        hub.Dispatch(second);
        await Eventually.TrueAsync(() => hub.FinishedOf(second.RunId) is not null, "the second run");

        Assert.Equal(RunStatus.Succeeded, hub.FinishedOf(second.RunId)!.FinalStatus);
        Assert.Equal(2, hub.Downloads[$"{TestPlugins.SourceId}/{TestPlugins.Version}"]);
    }

    [Fact]
    public async Task A_package_with_an_entry_outside_its_folder_is_refused()
    {
        await using var hub = await HubDouble.StartAsync();
        await TestPlugins.PublishAsync(hub);
        hub.Packages[$"{TestPlugins.SourceId}/{TestPlugins.Version}"] = TestPlugins.Zip(Directory.CreateTempSubdirectory().FullName, [("../../escaped.txt", "x"u8.ToArray())]);
        await using var agent = await TestAgent.EnrollAsync(hub);
        var spec = await TestPlugins.RunAsync(Path.Combine(agent.Root, "out"));
        agent.Start();

        hub.Dispatch(spec);
        await Eventually.TrueAsync(() => hub.FinishedOf(spec.RunId) is not null, "the run's Finished event");

        Assert.Equal(RunStatus.Failed, hub.FinishedOf(spec.RunId)!.FinalStatus);
        Assert.Contains("outside the package folder", hub.FinishedOf(spec.RunId)!.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(agent.Root, "escaped.txt", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task A_plugin_missing_from_the_catalog_or_failing_in_the_source_fails_the_run_with_the_reason()
    {
        await using var hub = await HubDouble.StartAsync();
        await TestPlugins.PublishAsync(hub);
        hub.Packages.TryRemove($"{TestPlugins.AdapterId}/{TestPlugins.Version}", out _);
        await using var agent = await TestAgent.EnrollAsync(hub);
        var missing = await TestPlugins.RunAsync(Path.Combine(agent.Root, "out"));
        agent.Start();

        hub.Dispatch(missing);
        await Eventually.TrueAsync(() => hub.FinishedOf(missing.RunId) is not null, "the run's Finished event");
        Assert.Equal(RunStatus.Failed, hub.FinishedOf(missing.RunId)!.FinalStatus);
        Assert.Contains("could not be downloaded", hub.FinishedOf(missing.RunId)!.Message, StringComparison.Ordinal);

        await TestPlugins.PublishAsync(hub);
        var failing = await TestPlugins.RunAsync(Path.Combine(agent.Root, "out"), fail: "the store database is offline");
        hub.Dispatch(failing);
        await Eventually.TrueAsync(() => hub.FinishedOf(failing.RunId) is not null, "the failing run's Finished event");
        Assert.Equal(RunStatus.Failed, hub.FinishedOf(failing.RunId)!.FinalStatus);
        Assert.Equal("the store database is offline", hub.FinishedOf(failing.RunId)!.Message);
    }

    [Fact]
    public async Task No_more_runs_than_the_limit_execute_at_once_and_the_rest_wait_their_turn()
    {
        await using var hub = await HubDouble.StartAsync();
        await TestPlugins.PublishAsync(hub);
        await using var agent = await TestAgent.EnrollAsync(hub);
        var gate = Path.Combine(agent.Root, "gate");
        var specs = new List<RunSpec>();
        for (var i = 0; i < 5; i++)
        {
            specs.Add(await TestPlugins.RunAsync(Path.Combine(agent.Root, "out" + i), gate: gate));
        }

        // All five in one poll answer (this hub ignores maxRuns): the agent must queue what it cannot start.
        foreach (var s in specs)
        {
            hub.Dispatch(s);
        }

        agent.Start("Agent:MaxConcurrentRuns=2");

        await Eventually.TrueAsync(() => hub.Events().Count(e => e.Kind == RunEventKind.Started) == 2, "two runs started");
        await Eventually.TrueAsync(() => hub.Heartbeats.Any(h => h.RunningRunIds.Count == 5), "a heartbeat naming all five runs it holds");
        Assert.Equal(2, hub.Events().Count(e => e.Kind == RunEventKind.Started));

        File.WriteAllText(gate, "open");
        await Eventually.TrueAsync(() => specs.All(s => hub.FinishedOf(s.RunId) is not null), "all five runs finished");

        // In outbox order (the agent's own order of events), never more than two runs between Started and Finished.
        var running = 0;
        var peak = 0;
        foreach (var e in hub.Events().OrderBy(e => e.Sequence))
        {
            running += e.Kind switch { RunEventKind.Started => 1, RunEventKind.Finished => -1, _ => 0 };
            peak = Math.Max(peak, running);
        }

        Assert.Equal(2, peak);
        Assert.All(specs, s => Assert.Equal(RunStatus.Succeeded, hub.FinishedOf(s.RunId)!.FinalStatus));
        Assert.Contains(2, hub.MaxRunsAsked);
        Assert.DoesNotContain(hub.MaxRunsAsked, m => m > 2);
    }

    [Fact]
    public async Task A_cancel_in_a_heartbeat_answer_stops_the_run_and_it_ends_cancelled()
    {
        await using var hub = await HubDouble.StartAsync();
        await TestPlugins.PublishAsync(hub);
        await using var agent = await TestAgent.EnrollAsync(hub);
        var spec = await TestPlugins.RunAsync(Path.Combine(agent.Root, "out"), gate: Path.Combine(agent.Root, "never"));
        agent.Start();
        hub.Dispatch(spec);
        await Eventually.TrueAsync(() => hub.EventsOf(spec.RunId).Any(e => e.Kind == RunEventKind.Started), "the run started");

        hub.CancelOnNextHeartbeat.Enqueue(spec.RunId);
        await Eventually.TrueAsync(() => hub.FinishedOf(spec.RunId) is not null, "the run's Finished event");

        var finished = hub.FinishedOf(spec.RunId)!;
        Assert.Equal(RunStatus.Cancelled, finished.FinalStatus);
        Assert.Contains("cancelled", finished.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(agent.Root, "out", "feed.tsv")));
    }

    [Fact]
    public async Task A_run_past_its_timeout_ends_timed_out_and_progress_renews_its_lease_meanwhile()
    {
        await using var hub = await HubDouble.StartAsync();
        await TestPlugins.PublishAsync(hub);
        await using var agent = await TestAgent.EnrollAsync(hub);
        var spec = await TestPlugins.RunAsync(Path.Combine(agent.Root, "out"), gate: Path.Combine(agent.Root, "never"), timeoutSeconds: 3, leaseSeconds: 3);
        agent.Start("Agent:ProgressInterval=00:00:10");

        hub.Dispatch(spec);
        await Eventually.TrueAsync(() => hub.FinishedOf(spec.RunId) is not null, "the run's Finished event");

        var finished = hub.FinishedOf(spec.RunId)!;
        Assert.Equal(RunStatus.TimedOut, finished.FinalStatus);
        Assert.Contains("timeout of 3 s", finished.Message, StringComparison.Ordinal);

        // Progress every lease/3 (not every 10 s as configured): each renews the lease while the source waits.
        Assert.Contains(hub.EventsOf(spec.RunId), e => e.Kind == RunEventKind.Progress);
    }
}
