using System.Collections.Concurrent;
using System.Globalization;
using GrocerySync.Agent.Configuration;
using GrocerySync.Agent.Hub;
using GrocerySync.Agent.Logging;
using GrocerySync.Agent.Plugins;
using GrocerySync.Agent.Runs;
using GrocerySync.Contracts.Agents;
using GrocerySync.Plugins.Abstractions;
using GrocerySync.Sync;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace GrocerySync.Agent.Service;

/// <summary>
/// Runs the destination connection tests the hub hands out with work (<see cref="WorkService"/>), outside the run
/// slots: the destination plugin comes from the hub's catalog exactly as a run's does (<see cref="PluginCache"/>),
/// <see cref="IDestinationConnector.TestConnectionAsync"/> gets <see cref="AgentOptions.ConnectionTestTimeout"/>, and
/// whatever happens (plugin refused, settings invalid, timeout, exception) becomes a Failed result with the reason,
/// never a crash of the agent. Secret setting values are masked in the message before it is logged or reported.
/// </summary>
internal sealed class ConnectionTestRunner(
    PluginCache plugins,
    HubClient hub,
    Connectivity connectivity,
    AgentFolder folder,
    TimeProvider time,
    IOptions<AgentOptions> options,
    ILogger<ConnectionTestRunner> logger)
{
    private const int ReportAttempts = 3;

    private readonly ConcurrentDictionary<Guid, Task> _running = new();

    /// <summary>Starts the test in the background; it ends early (unreported) when <paramref name="stopping"/> is cancelled.</summary>
    public void Start(ConnectionTestSpec spec, CancellationToken stopping)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_running.TryAdd(spec.TestId, done.Task))
        {
            return; // The hub hands a test out once; should it repeat one, the running test answers for both.
        }

        _ = Task.Run(
            async () =>
            {
                try
                {
                    await RunAsync(spec, stopping);
                }
                finally
                {
                    _running.TryRemove(spec.TestId, out _);
                    done.SetResult();
                }
            },
            CancellationToken.None);
    }

    /// <summary>Completes when every started test has ended (on stop, after their token was cancelled).</summary>
    public Task WhenAllEndedAsync() => Task.WhenAll(_running.Values);

    private async Task RunAsync(ConnectionTestSpec spec, CancellationToken stopping)
    {
        try
        {
            logger.ConnectionTestReceived(spec.TestId, spec.DestinationName, spec.Destination.PluginId, spec.Destination.Version);
            var report = await TestAsync(spec, stopping);
            if (report.Success)
            {
                logger.ConnectionTestSucceeded(spec.TestId, spec.DestinationName, report.Message ?? string.Empty);
            }
            else
            {
                logger.ConnectionTestFailed(spec.TestId, spec.DestinationName, report.Message ?? string.Empty);
            }

            await ReportAsync(spec.TestId, report, stopping);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // The agent is stopping: the hub fails the unanswered test when it expires.
        }
#pragma warning disable CA1031 // Whatever goes wrong around one test must not take the agent down.
        catch (Exception ex)
        {
            logger.UnexpectedError($"connection test {spec.TestId}", ex);
        }
#pragma warning restore CA1031
    }

    private async Task<ConnectionTestReport> TestAsync(ConnectionTestSpec spec, CancellationToken stopping)
    {
        var plugin = spec.Destination;
        var settings = plugin.Settings ?? new Dictionary<string, string?>();
        var timeout = options.Value.ConnectionTestTimeout;
        PluginRegistry? registry = null;
        try
        {
            registry = await plugins.CreateRegistryAsync([plugin], stopping);
            await using var connector = registry.CreateDestination(plugin.PluginId, settings, folder.BaseDirectory(options.Value.BaseDirectory));
            using var limit = new CancellationTokenSource(timeout, time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(limit.Token, stopping);

            // On the thread pool and awaited with the timeout: a plugin that blocks its caller (synchronous I/O on a hung
            // mount) or ignores its token cannot hold the answer back.
            var result = await Task.Run(() => connector.TestConnectionAsync(linked.Token), linked.Token).WaitAsync(timeout, time, stopping);
            return new ConnectionTestReport(result.Success, Mask(result.Message, registry, plugin));
        }
        catch (Exception ex) when (!stopping.IsCancellationRequested && ex is TimeoutException or OperationCanceledException)
        {
            return Failed(string.Create(CultureInfo.InvariantCulture, $"The destination did not answer within {timeout.TotalSeconds:0} s."));
        }
        catch (RunFailure ex)
        {
            return Failed(ex.Message);
        }
        catch (PluginException ex)
        {
            return Failed(Mask(ex.Message, registry, plugin));
        }
#pragma warning disable CA1031 // Any exception of the plugin is the test's result, reported as Failed.
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return Failed(Mask($"The connection test failed: {ex.GetType().Name}: {ex.Message}", registry, plugin));
        }
#pragma warning restore CA1031
    }

    /// <summary>
    /// Delivers the result. A test result is not precious like a run's events (no outbox): after a few attempts with the
    /// hub unreachable it is dropped, the hub fails the test when it expires, and the user runs it again.
    /// </summary>
    private async Task ReportAsync(Guid testId, ConnectionTestReport report, CancellationToken stopping)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await hub.ReportConnectionTestAsync(testId, report, stopping);
                connectivity.Succeeded();
                return;
            }
            catch (HubUnavailableException ex)
            {
                connectivity.Failed(ex);
                if (attempt == ReportAttempts)
                {
                    logger.ConnectionTestReportDropped(testId, ex.Message);
                    return;
                }

                await Task.Delay(connectivity.BackOff(attempt), time, stopping);
            }
            catch (HubRejectedException ex)
            {
                logger.ConnectionTestReportDropped(testId, ex.Message);
                return;
            }
            catch (AgentRevokedException)
            {
                return;
            }
        }
    }

    private static ConnectionTestReport Failed(string message) => new(false, message);

    /// <summary>The message with the values of the plugin's secret settings replaced, should the plugin have repeated one.</summary>
    private static string Mask(string message, PluginRegistry? registry, RunPlugin plugin) =>
        registry is null ? message : SecretValues.Mask(message, SecretValues.Of(registry, [plugin]));
}
