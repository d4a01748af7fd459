using System.Globalization;
using System.Net;
using GrocerySync.Contracts;
using GrocerySync.Hub.Features.Jobs;
using GrocerySync.Hub.Features.Runs;

namespace GrocerySync.Hub.Tests.EndToEnd;

/// <summary>
/// The real hub on a Kestrel port and the real <c>gsagent</c> as a child process, configured only through the REST
/// API and the agent's command line: a scheduled run fired by the hub's clock, then a run-now in delta mode.
/// </summary>
public sealed class EndToEndTests
{
    private const int Valid = 48;
    private static readonly int[] Changed = [3, 17, 30];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_scheduled_run_and_a_run_now_reach_the_feed_folder_with_counts_history_and_logs_and_the_delta_run_writes_only_changes()
    {
        await using var hub = await KestrelHub.StartAsync();
        // Next whole minute at least a minute away, in UTC: the hub's clock moves there (JWTs stay valid, and the agent's clock is not far off).
        var now = hub.Clock.GetUtcNow();
        var occurrence = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, now.Minute, 0, TimeSpan.Zero).AddMinutes(2);
        await using var pair = await RealPair.CreateAsync(hub, string.Create(CultureInfo.InvariantCulture, $"{occurrence.Minute} {occurrence.Hour} * * *"), "Etc/UTC");
        await File.WriteAllTextAsync(pair.SourcePath, RealPair.Catalog(Valid), Ct);

        await pair.EnrollAsync();
        var agent = pair.StartAgent();
        await pair.WaitOnlineAsync(agent);

        // (a) The schedule: the job waits for the occurrence; at that moment of the hub's clock Quartz queues a run.
        var job = await pair.GetAsync<JobDto>($"/api/v1/jobs/{pair.JobId}");
        Assert.Equal(occurrence, job.NextRunAt);
        Assert.Empty((await pair.GetAsync<PagedResult<RunDto>>($"/api/v1/runs?jobId={pair.JobId}")).Items);
        hub.Clock.SetUtcNow(occurrence);

        RunDto? scheduledRun = null;
        await Poll.UntilAsync(async () => (scheduledRun = (await pair.GetAsync<PagedResult<RunDto>>($"/api/v1/runs?jobId={pair.JobId}")).Items.SingleOrDefault()) is not null, "the scheduled run", agent);
        Assert.Equal(RunTrigger.Schedule, scheduledRun!.Trigger);
        var scheduled = await pair.FinishedAsync(scheduledRun.Id, agent);

        RealPair.AssertSucceeded(scheduled, read: Valid + 2, changed: Valid, written: Valid, rejected: 2);
        var feed = pair.FeedRows();
        Assert.Equal(Valid, feed.Count);
        Assert.Contains(RealPair.Price(17), feed["SKU0017"], StringComparison.Ordinal);
        Assert.DoesNotContain(feed.Keys, k => k.StartsWith("BAD", StringComparison.Ordinal));
        Assert.Equal(occurrence.AddDays(1), (await pair.GetAsync<JobDto>($"/api/v1/jobs/{pair.JobId}")).NextRunAt);
        await AssertLogsAsync(pair, scheduled);

        // (b) Run-now, delta mode: three prices changed, so only those three records are written.
        await File.WriteAllTextAsync(pair.SourcePath, RealPair.Catalog(Valid, Changed), Ct);
        var queued = await pair.RunNowAsync();
        Assert.Equal((RunTrigger.Manual, RunStatus.Queued), (queued.Run.Trigger, queued.Run.Status));
        var manual = await pair.FinishedAsync(queued.Run.Id, agent);

        RealPair.AssertSucceeded(manual, read: Valid + 2, changed: Changed.Length, written: Changed.Length, rejected: 2);
        var delta = pair.FeedRows();
        Assert.Equal(Changed.Select(i => $"SKU{i:D4}").Order(StringComparer.Ordinal), delta.Keys.Order(StringComparer.Ordinal));
        foreach (var i in Changed)
        {
            Assert.Contains(RealPair.Price(i, changed: true), delta[$"SKU{i:D4}"], StringComparison.Ordinal);
        }

        await AssertLogsAsync(pair, manual);
        Assert.False(agent.HasExited, agent.Stderr);
    }

    /// <summary>The run's log lines are in the logs API (filtered by run) and in the run's log download, the same lines.</summary>
    private static async Task AssertLogsAsync(RealPair pair, RunDetailDto run)
    {
        var runId = run.Run.Id;
        List<Hub.Features.Logs.LogEntryDto> lines = [];
        // The result line is the agent's last line of the run; it is delivered right after the finished event.
        await Poll.UntilAsync(async () => (lines = await pair.RunLogLinesAsync(runId)).Any(l => l.Message.Contains("succeeded", StringComparison.Ordinal)), $"the result line of run {runId} in the logs API");
        Assert.All(lines, l => Assert.Equal((runId, pair.AgentId), (l.RunId, l.AgentId)));
        Assert.Equal(lines.Count, lines.Select(l => l.Id).Distinct().Count());
        Assert.Contains(lines, l => l.Message.Contains($"read {run.Run.RecordsRead}, changed {run.Run.RecordsChanged}, written {run.Run.RecordsWritten}, rejected {run.Run.RecordsRejected}", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Message.Contains("rejected", StringComparison.Ordinal) && l.Message.Contains("regularPrice", StringComparison.Ordinal));

        var response = await pair.Admin.GetAsync($"/api/v1/runs/{runId}/log", Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("attachment", response.Content.Headers.ContentDisposition?.DispositionType);
        var text = await response.Content.ReadAsStringAsync(Ct);
        var downloaded = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(lines.Count, downloaded.Length);
        foreach (var (line, row) in lines.Zip(downloaded))
        {
            Assert.Contains(line.Message, row, StringComparison.Ordinal);
        }
    }
}
