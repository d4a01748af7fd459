using System.Globalization;
using GrocerySync.Sync;
using Spectre.Console;

namespace GrocerySync.Agent.Commands;

/// <summary>
/// Live progress on an interactive terminal (kept apart so Spectre.Console loads only when used): a bar of the bytes
/// read when the source knows its size (a file), otherwise a spinner; the counts of records read, written and rejected
/// beside it.
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
                new PercentageColumn(),
                new TaskDescriptionColumn { Alignment = Justify.Left },
                new ElapsedTimeColumn())
            .StartAsync(async ctx =>
            {
                var task = ctx.AddTask("starting").IsIndeterminate();
                var progress = new Progress<SyncProgress>(p => Show(task, p));
                var summary = await run(progress);
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
}
