using GrocerySync.Agent.Configuration;
using GrocerySync.Agent.Hub;
using GrocerySync.Agent.Logging;
using GrocerySync.Agent.Runs;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace GrocerySync.Agent.Service;

/// <summary>
/// Long-polls the hub for work, asking for as many runs as it has free slots, and executes up to
/// <see cref="AgentOptions.MaxConcurrentRuns"/> runs at once (more dispatched runs wait here for a slot); connection
/// tests that come with the work run at once, outside the slots (<see cref="ConnectionTestRunner"/>), so an agent busy
/// with long runs still answers them. On stop: no new polls; unfinished connection tests are
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
        var testsOnlyRefused = false;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                // Ask for as many runs as there are free slots. With none free, the poll still takes connection tests
                // (maxRuns=0), and a slot that frees ends it at once so that the next poll asks for runs.
                var free = Math.Max(0, max - runs.Count);
                using var poll = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                void OnSlotFreed()
                {
                    try
                    {
                        if (runs.Count < max)
                        {
                            poll.Cancel();
                        }
                    }
                    catch (ObjectDisposedException)
                    {
                        // Raised on another thread just as this poll ended: nothing to end.
                    }
                }

                if (free == 0)
                {
                    runs.Changed += OnSlotFreed;
                }

                try
                {
                    if (free == 0 && runs.Count < max)
                    {
                        continue; // a slot freed before the handler was in place
                    }

                    if (free == 0 && testsOnlyRefused)
                    {
                        // A hub that does not know tests-only polls: wait for a slot (a freed one ends the wait).
                        await Task.Delay(TimeSpan.FromSeconds(1), time, poll.Token);
                        continue;
                    }

                    var work = await hub.PollWorkAsync(options.Value.WorkPollWait, free, poll.Token);
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
                catch (HubRejectedException ex) when (free == 0 && !testsOnlyRefused)
                {
                    // A hub older than this agent refuses maxRuns=0: from now on wait for a slot, as agents did before.
                    testsOnlyRefused = true;
                    logger.HubRejected("tests-only work poll (the agent now waits for a free slot instead)", ex.Message);
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
                catch (OperationCanceledException) when (poll.IsCancellationRequested && !stoppingToken.IsCancellationRequested)
                {
                    // A slot freed during a tests-only poll: ask again, for runs this time.
                }
                finally
                {
                    runs.Changed -= OnSlotFreed;
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
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
