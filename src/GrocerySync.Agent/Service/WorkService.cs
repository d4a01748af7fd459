using GrocerySync.Agent.Configuration;
using GrocerySync.Agent.Hub;
using GrocerySync.Agent.Logging;
using GrocerySync.Agent.Runs;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace GrocerySync.Agent.Service;

/// <summary>
/// Long-polls the hub for work while the agent holds fewer runs than it may execute, and executes up to <see cref="AgentOptions.MaxConcurrentRuns"/>
/// runs at once (more dispatched runs wait here for a slot); connection tests that come with the work run at once,
/// outside the slots (<see cref="ConnectionTestRunner"/>). On stop: no new polls; unfinished connection tests are
/// dropped; running runs get <see cref="AgentOptions.ShutdownGracePeriod"/> to finish, then are cancelled and end
/// Failed ("the agent was stopped") in the outbox; runs still waiting for a slot end the same way without starting.
/// </summary>
internal sealed class WorkService(
    HubClient hub,
    RunRegistry runs,
    RunExecutor executor,
    ConnectionTestRunner tests,
    Connectivity connectivity,
    TimeProvider time,
    IOptions<AgentOptions> options,
    ILogger<WorkService> logger) : BackgroundService
{
    private readonly SemaphoreSlim _slots = new(options.Value.MaxConcurrentRuns, options.Value.MaxConcurrentRuns);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var failures = 0;
        var max = options.Value.MaxConcurrentRuns;
        using var changed = new SemaphoreSlim(0);
        void OnChanged() => changed.Release();
        runs.Changed += OnChanged;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                // Poll only while this agent holds fewer runs than it may execute; runs take their slot themselves.
                if (runs.Count >= max)
                {
                    await changed.WaitAsync(TimeSpan.FromSeconds(1), stoppingToken);
                    continue;
                }

                try
                {
                    var work = await hub.PollWorkAsync(options.Value.WorkPollWait, max - runs.Count, stoppingToken);
                    connectivity.Succeeded();
                    failures = 0;
                    foreach (var test in work.ConnectionTests)
                    {
                        tests.Start(test, stoppingToken);
                    }

                    foreach (var spec in work.Runs)
                    {
                        if (!runs.TryAdd(spec, out var handle))
                        {
                            logger.RunDuplicateIgnored(spec.RunId);
                            continue;
                        }

                        logger.RunReceived(spec.RunId, spec.JobName);
                        handle.Completion = Task.Run(() => RunAsync(handle), CancellationToken.None);
                    }
                }
                catch (HubUnavailableException ex)
                {
                    connectivity.Failed(ex);
                    await DelayAsync(connectivity.BackOff(++failures), stoppingToken);
                }
                catch (HubRejectedException ex)
                {
                    logger.HubRejected("work poll", ex.Message);
                    await DelayAsync(connectivity.BackOff(++failures), stoppingToken);
                }
                catch (AgentRevokedException)
                {
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            runs.Changed -= OnChanged;
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await tests.WhenAllEndedAsync().WaitAsync(cancellationToken);
        var held = runs.All;
        if (held.Count == 0)
        {
            return;
        }

        var grace = options.Value.ShutdownGracePeriod;
        logger.ShutdownWaiting(held.Count, grace.TotalSeconds);
        var all = Task.WhenAll(held.Select(r => r.Completion));
        try
        {
            await all.WaitAsync(grace, time, cancellationToken);
            return;
        }
        catch (TimeoutException)
        {
        }

        var left = runs.All;
        logger.ShutdownCancelling(left.Count);
        foreach (var run in left)
        {
            run.RequestStop(StopReason.AgentStopping);
        }

        // Cancelled runs roll back and write their Finished event; that takes moments, not the grace period again.
        await Task.WhenAll(left.Select(r => r.Completion)).WaitAsync(cancellationToken);
    }

    public override void Dispose()
    {
        _slots.Dispose();
        base.Dispose();
    }

    private async Task RunAsync(RunHandle handle)
    {
        try
        {
            try
            {
                await _slots.WaitAsync(handle.Stop.Token);
            }
            catch (OperationCanceledException)
            {
                await executor.FinishUnstartedAsync(handle);
                return;
            }

            try
            {
                runs.NotifyChanged();
                await executor.ExecuteAsync(handle);
            }
            finally
            {
                _slots.Release();
            }
        }
#pragma warning disable CA1031 // The outbox itself failed (disk full?): keep the agent up, the hub's lease ends the run.
        catch (Exception ex)
        {
            logger.UnexpectedError($"run {handle.Spec.RunId}", ex);
        }
#pragma warning restore CA1031
        finally
        {
            runs.Complete(handle);
            handle.Dispose();
        }
    }

    private async Task DelayAsync(TimeSpan delay, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(delay, time, cancellationToken);
        }
        catch (OperationCanceledException)
        {
        }
    }
}
