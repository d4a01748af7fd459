using System.Text;
using GrocerySync.Contracts;
using GrocerySync.Hub.Features.Dispatch;
using GrocerySync.Hub.Features.Runs;
using Microsoft.EntityFrameworkCore;

namespace GrocerySync.Hub.Tests.EndToEnd;

/// <summary>The real agent killed with SIGKILL mid-run, again and again, against the real hub's leases.</summary>
public sealed class AgentKillTests
{
    private const int Valid = 48;
    private static readonly int[] Changed = [5, 6, 40];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

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

            // Nothing renews the run's lease now: its agent is gone. (What the killed agent had committed to its outbox
            // reaches the hub when the next agent starts, after the run ended: the hub ignores it.)
            var lease = await hub.App.QueryDbAsync(db => db.JobRuns.Where(r => r.Id == run.Id).Select(r => r.LeaseExpiresAt).SingleAsync(Ct));
            Assert.False((await pair.RunAsync(run.Id)).Run.Status.IsFinal(), $"kill {kill}: the run ended before the kill");
            Assert.NotNull(lease);

            hub.Clock.Advance(KestrelHub.RunLease + KestrelHub.SweepInterval);
            var ended = await pair.FinishedAsync(run.Id);
            Assert.Equal((RunStatus.Failed, LeaseSweeper.StoppedReporting), (ended.Run.Status, ended.Run.Error));
            Assert.True(ended.Run.FinishedAt <= lease + KestrelHub.SweepInterval, $"kill {kill}: ended at {ended.Run.FinishedAt:O}, lease until {lease:O}");
            Assert.Equal(RunStatus.Failed, ended.StatusChanges[^1].ToStatus);
            Assert.DoesNotContain(ended.StatusChanges, c => c.ToStatus == RunStatus.Succeeded);
            Assert.Equal(state, pair.DeltaStateDigest());                              // a killed run never commits the delta state
            Assert.Equal(feed, await File.ReadAllBytesAsync(pair.FeedPath, Ct));    // nor the feed
            agent = pair.StartAgent(oneSlot);
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
}
