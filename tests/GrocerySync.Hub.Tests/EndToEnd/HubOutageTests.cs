using System.Text;
using GrocerySync.Contracts;
using GrocerySync.Hub.Data;
using GrocerySync.Hub.Features.Dispatch;
using GrocerySync.Hub.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace GrocerySync.Hub.Tests.EndToEnd;

/// <summary>
/// The hub stopped mid-run and started again on the same port and database, with the real agent running throughout:
/// nothing the agent produced is lost or applied twice. (Agent.Tests prove the agent's outbox against a protocol
/// double that goes down; this proves the real hub's cursors and lease sweeper agree.)
/// </summary>
public sealed class HubOutageTests
{
    private const int Valid = 48;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory, DatabaseData]
    public async Task With_the_hub_stopped_mid_run_the_agent_finishes_and_the_restarted_hub_gets_every_event_and_log_line_once(DatabaseProvider provider)
    {
        Assert.SkipWhen(OperatingSystem.IsWindows(), "the export is a named pipe (mkfifo)");
        await using var hub = await KestrelHub.StartAsync(provider);
        await using var pair = await RealPair.CreateAsync(hub);
        await pair.MakeExportPipeAsync();
        await pair.EnrollAsync();
        // One run slot: while the run holds it the agent does not poll, so stopping the hub waits for no long-poll. A
        // back-off of up to 5 s (30 s by default): the restarted hub usually sweeps before the agent is back.
        var agent = pair.StartAgent(("Agent__MaxConcurrentRuns", "1"), ("Agent__RetryMaxDelay", "00:00:05"));
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
}
