using System.Globalization;
using GrocerySync.Sync;
using Spectre.Console;

namespace GrocerySync.Agent.Commands;

/// <summary>A live progress line on an interactive terminal (kept apart so Spectre.Console loads only when used).</summary>
internal static class ProgressDisplay
{
    public static Task<SyncRunSummary> RunAsync(Func<IProgress<SyncProgress>, Task<SyncRunSummary>> run) =>
        AnsiConsole.Progress()
            .AutoClear(true)
            .Columns(new SpinnerColumn(), new TaskDescriptionColumn { Alignment = Justify.Left }, new ElapsedTimeColumn())
            .StartAsync(async ctx =>
            {
                var task = ctx.AddTask("starting").IsIndeterminate();
                var progress = new Progress<SyncProgress>(p => task.Description = string.Create(
                    CultureInfo.InvariantCulture,
                    $"read {p.RecordsRead:N0} ({p.BytesRead / 1e6:N0} MB)  written {p.RecordsWritten:N0}  rejected {p.RecordsRejected:N0}"));
                var summary = await run(progress);
                task.StopTask();
                return summary;
            });
}
