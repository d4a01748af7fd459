using GrocerySync.Agent.Commands;
using GrocerySync.Sync;
using Spectre.Console;
using Spectre.Console.Testing;

namespace GrocerySync.Agent.Tests;

/// <summary>The <c>sync</c> command's live progress: a bar of the bytes read when the source knows its size.</summary>
public sealed class ProgressDisplayTests
{
    [Fact]
    public void A_source_of_known_size_shows_the_share_read_and_the_counts()
    {
        var task = new ProgressTask(1, "starting", 100).IsIndeterminate();
        ProgressDisplay.Show(task, new SyncProgress(12_345, 12_000, 45, 37_500_000, 20_000_000, TimeSpan.FromSeconds(2)) { TotalBytes = 150_000_000 });

        Assert.False(task.IsIndeterminate);
        Assert.Equal(25, task.Percentage);
        Assert.Equal("read 12,345 (38 MB)  written 12,000  rejected 45", task.Description);
    }

    [Fact]
    public void A_source_of_unknown_size_keeps_the_spinner_and_shows_the_counts()
    {
        var task = new ProgressTask(1, "starting", 100).IsIndeterminate();
        ProgressDisplay.Show(task, new SyncProgress(10, 9, 1, 1_000, 900, TimeSpan.FromSeconds(1)));

        Assert.True(task.IsIndeterminate);
        Assert.Equal("read 10 (0 MB)  written 9  rejected 1", task.Description);
    }

    [Theory]
    [InlineData(100, " 50%")]
    [InlineData(0, "")]
    public async Task The_display_renders_the_share_read_only_when_the_size_is_known_and_returns_the_run_summary(long totalBytes, string share)
    {
        var console = new TestConsole().Interactive();
        console.Profile.Width = 160;
        var expected = new SyncRunSummary
        {
            RunId = Guid.NewGuid(), JobId = "job", Mode = SyncMode.Delta, Status = SyncRunStatus.Succeeded,
            StartedAt = DateTimeOffset.UnixEpoch, Counts = new SyncCounts(), Timings = new SyncTimings(),
        };

        var summary = await ProgressDisplay.RunAsync(console, progress =>
        {
            progress.Report(new SyncProgress(5, 4, 1, 50, 40, TimeSpan.Zero) { TotalBytes = totalBytes });
            return Task.FromResult(expected);
        });

        Assert.Same(expected, summary);
        Assert.Contains("read 5 (0 MB)  written 4  rejected 1", console.Output, StringComparison.Ordinal);
        if (share.Length > 0)
        {
            Assert.Contains(share, console.Output, StringComparison.Ordinal);
        }
        else
        {
            Assert.DoesNotContain("%", console.Output, StringComparison.Ordinal);
        }
    }
}
