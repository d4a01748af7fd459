using System.Globalization;
using GrocerySync.Agent.Configuration;
using GrocerySync.Agent.Logging;
using GrocerySync.Agent.Outbox;
using GrocerySync.Agent.Plugins;
using GrocerySync.Contracts;
using GrocerySync.Contracts.Agents;
using GrocerySync.Plugins.Abstractions;
using GrocerySync.Sync;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace GrocerySync.Agent.Runs;

/// <summary>
/// Executes one run: Started, plugins from the hub, the sync engine with the run's timeout, Progress at least every
/// lease/3 (which renews the lease even while the destination commits), then Finished with the final counts. Every
/// event goes to the outbox first; the Finished event is written whatever happens, even while the agent stops.
/// </summary>
internal sealed class RunExecutor(
    AgentFolder folder,
    AgentOutbox outbox,
    PluginCache plugins,
    TimeProvider time,
    IOptions<AgentOptions> options,
    ILogger<RunExecutor> logger)
{
    private static readonly TimeSpan MilestoneInterval = TimeSpan.FromSeconds(30);

    /// <summary>Runs <paramref name="run"/> to its Finished event. Never throws for the run's own failures.</summary>
    public async Task ExecuteAsync(RunHandle run)
    {
        var spec = run.Spec;
        using var scope = RunScope.Enter(spec.RunId);
        run.StartedAt = time.GetUtcNow();
        var startedTimestamp = time.GetTimestamp();
        await outbox.AppendEventAsync(new RunEvent(0, spec.RunId, RunEventKind.Started, run.StartedAt.Value, null, null, null), CancellationToken.None);
        if (logger.IsEnabled(LogLevel.Information))
        {
            logger.RunStarted(spec.RunId, spec.JobName, spec.Mode.ToString().ToLowerInvariant(), Describe(spec.Source), Describe(spec.Adapter), Describe(spec.Destination));
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(Math.Max(1, spec.TimeoutSeconds)), time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(run.Stop.Token, timeout.Token);
        using var timeoutRegistration = timeout.Token.Register(() => run.RequestStop(StopReason.TimedOut));
        var progress = new LatestProgress();
        using var progressStop = new CancellationTokenSource();
        var progressLoop = ReportProgressAsync(spec, progress, startedTimestamp, progressStop.Token);

        RunStatus status;
        string? message;
        RunCounts? counts = null;
        SyncRunSummary? summary = null;
        try
        {
            var registry = await plugins.CreateRegistryAsync(spec, linked.Token);
            scope.MaskSecrets(SecretValues.Of(registry, [spec.Source, spec.Adapter, spec.Destination]));
            var job = RunSpecMapper.ToJob(spec, folder, folder.BaseDirectory(options.Value.BaseDirectory));
            summary = await new SyncEngine(registry, time).RunAsync(job, progress, null, linked.Token);
            counts = Counts(summary);
            (status, message) = summary.Status switch
            {
                SyncRunStatus.Succeeded => (RunStatus.Succeeded, (string?)null),
                SyncRunStatus.Cancelled => Stopped(run, spec),
                _ => (RunStatus.Failed, summary.Message ?? "The run failed."),
            };
        }
        catch (OperationCanceledException) when (linked.IsCancellationRequested)
        {
            (status, message) = Stopped(run, spec);
        }
        catch (RunFailure ex)
        {
            (status, message) = (RunStatus.Failed, ex.Message);
        }
        catch (PluginException ex)
        {
            (status, message) = run.Reason is null ? (RunStatus.Failed, ex.Message) : Stopped(run, spec);
        }
#pragma warning disable CA1031 // Any bug in a plugin or the engine must end the run as Failed, never crash the agent.
        catch (Exception ex)
        {
            logger.UnexpectedError($"run {spec.RunId}", ex);
            (status, message) = (RunStatus.Failed, $"The agent failed while running the job: {ex.GetType().Name}: {ex.Message}");
        }
#pragma warning restore CA1031
        finally
        {
            await progressStop.CancelAsync();
            await progressLoop;
        }

        counts ??= progress.Counts();

        // A plugin may repeat a secret setting in its error; the run's message goes to the hub and its users.
        message = message is null ? null : RunScope.Mask(message);
        await outbox.AppendEventAsync(new RunEvent(0, spec.RunId, RunEventKind.Finished, time.GetUtcNow(), counts, status, message), CancellationToken.None);
        LogResult(spec, status, message, counts, summary, time.GetElapsedTime(startedTimestamp));
    }

    /// <summary>The Finished event of a run that never started (stopped while it waited for a free slot).</summary>
    public async Task FinishUnstartedAsync(RunHandle run)
    {
        using var scope = RunScope.Enter(run.Spec.RunId);
        var (status, message) = Stopped(run, run.Spec);
        await outbox.AppendEventAsync(new RunEvent(0, run.Spec.RunId, RunEventKind.Finished, time.GetUtcNow(), new RunCounts(0, 0, 0, 0, 0), status, message), CancellationToken.None);
        logger.RunFailed(run.Spec.RunId, run.Spec.JobName, status.ToString(), message ?? string.Empty);
    }

    private static (RunStatus, string?) Stopped(RunHandle run, RunSpec spec) => run.Reason switch
    {
        StopReason.TimedOut => (RunStatus.TimedOut, string.Create(CultureInfo.InvariantCulture, $"The run did not finish within its timeout of {spec.TimeoutSeconds} s and was stopped; nothing was published.")),
        StopReason.AgentStopping => (RunStatus.Failed, "The agent was stopped (service shutdown) before the run finished; nothing was published."),
        _ => (RunStatus.Cancelled, "The run was cancelled from the hub; nothing was published."),
    };

    private TimeSpan ProgressInterval(RunSpec spec)
    {
        var lease = TimeSpan.FromSeconds(Math.Max(1, spec.LeaseSeconds));
        var interval = options.Value.ProgressInterval < lease / 3 ? options.Value.ProgressInterval : lease / 3;
        return interval < TimeSpan.FromMilliseconds(200) ? TimeSpan.FromMilliseconds(200) : interval;
    }

    private async Task ReportProgressAsync(RunSpec spec, LatestProgress progress, long started, CancellationToken stop)
    {
        using var timer = new PeriodicTimer(ProgressInterval(spec), time);
        var lastMilestone = started;
        try
        {
            while (await timer.WaitForNextTickAsync(stop))
            {
                await outbox.AppendEventAsync(new RunEvent(0, spec.RunId, RunEventKind.Progress, time.GetUtcNow(), progress.Counts(), null, null), CancellationToken.None);
                if (time.GetElapsedTime(lastMilestone) >= MilestoneInterval && progress.Latest is { } p)
                {
                    lastMilestone = time.GetTimestamp();
                    logger.RunProgress(spec.RunId, p.RecordsRead, p.RecordsWritten, p.RecordsRejected, p.Elapsed.TotalSeconds);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private void LogResult(RunSpec spec, RunStatus status, string? message, RunCounts counts, SyncRunSummary? summary, TimeSpan elapsed)
    {
        if (summary is { Counts.Rejected: > 0 })
        {
            var byField = string.Join(", ", summary.RejectsByField.OrderByDescending(f => f.Value).Select(f => string.Create(CultureInfo.InvariantCulture, $"{f.Key} {f.Value}")));
            logger.RunRejectsSummary(spec.RunId, summary.Counts.Rejected, summary.RejectRate, byField);
            foreach (var r in summary.RejectSamples.Take(5))
            {
                logger.RunRejectSample(spec.RunId, r.LineNumber, r.Field, r.Reason);
            }
        }

        if (status == RunStatus.Succeeded)
        {
            logger.RunSucceeded(spec.RunId, spec.JobName, elapsed.TotalSeconds, counts.Read, counts.Changed, counts.Written, counts.Rejected);
        }
        else
        {
            logger.RunFailed(spec.RunId, spec.JobName, status.ToString(), message ?? string.Empty);
        }
    }

    /// <summary>Changed = new + changed + deleted records: what differs from the channel's last committed state.</summary>
    private static RunCounts Counts(SyncRunSummary s) =>
        new(s.Counts.Read, s.Counts.New + s.Counts.Changed + s.Counts.Deleted, s.Counts.Written + s.Counts.DeletionsWritten, s.Counts.Rejected, s.Counts.BytesWritten);

    private static string Describe(RunPlugin p) => $"{p.PluginId} {p.Version}";

    /// <summary>The engine's latest progress, kept without posting to a synchronisation context.</summary>
    private sealed class LatestProgress : IProgress<SyncProgress>
    {
        private SyncProgress? _latest;

        public SyncProgress? Latest => Volatile.Read(ref _latest);

        public void Report(SyncProgress value) => Volatile.Write(ref _latest, value);

        /// <summary>Counts so far; while running, "changed" is not known yet and counts the records written.</summary>
        public RunCounts Counts() => Latest is { } p
            ? new RunCounts(p.RecordsRead, p.RecordsWritten, p.RecordsWritten, p.RecordsRejected, p.BytesWritten)
            : new RunCounts(0, 0, 0, 0, 0);
    }
}
