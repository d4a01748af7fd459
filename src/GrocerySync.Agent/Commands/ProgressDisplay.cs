using System.Globalization;
using GrocerySync.Sync;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace GrocerySync.Agent.Commands;

/// <summary>
/// Live progress on an interactive terminal (kept apart so Spectre.Console loads only when used): a bar and the share
/// of the bytes read when the source knows its size (a file), otherwise a spinner; the counts of records read, written
/// and rejected beside it.
/// </summary>
internal static class ProgressDisplay
{
    public static Task<SyncRunSummary> RunAsync(Func<IProgress<SyncProgress>, Task<SyncRunSummary>> run) => RunAsync(AnsiConsole.Console, run);

    public static Task<SyncRunSummary> RunAsync(IAnsiConsole console, Func<IProgress<SyncProgress>, Task<SyncRunSummary>> run) =>
        console.Progress()
            .AutoClear(true)
            .Columns(
                new SpinnerColumn(),
                new ProgressBarColumn(),
                new ShareColumn(),
                new TaskDescriptionColumn { Alignment = Justify.Left },
                new ElapsedTimeColumn())
            .StartAsync(async ctx =>
            {
                var task = ctx.AddTask("starting").IsIndeterminate();
                var summary = await run(new TaskProgress(task));
                task.StopTask();
                return summary;
            });

    internal static void Show(ProgressTask task, SyncProgress p)
    {
        if (p.TotalBytes > 0)
        {
            task.IsIndeterminate(false);
            task.MaxValue = p.TotalBytes;
            task.Value = Math.Min(p.BytesRead, p.TotalBytes);
        }

        task.Description = string.Create(
            CultureInfo.InvariantCulture,
            $"read {p.RecordsRead:N0} ({p.BytesRead / 1e6:N0} MB)  written {p.RecordsWritten:N0}  rejected {p.RecordsRejected:N0}");
    }

    /// <summary>Updates the task on the reporting thread (a <see cref="ProgressTask"/> is thread-safe; the display redraws it).</summary>
    private sealed class TaskProgress(ProgressTask task) : IProgress<SyncProgress>
    {
        public void Report(SyncProgress value) => Show(task, value);
    }

    /// <summary>The percentage read, left empty while the size is unknown (no "0%" beside a spinner).</summary>
    private sealed class ShareColumn : ProgressColumn
    {
        public override IRenderable Render(RenderOptions options, ProgressTask task, TimeSpan deltaTime) =>
            task.IsIndeterminate ? Text.Empty : new Text(string.Create(CultureInfo.InvariantCulture, $"{task.Percentage,3:0}%"));
    }
}
