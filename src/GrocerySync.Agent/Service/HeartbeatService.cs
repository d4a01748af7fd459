using GrocerySync.Agent.Hub;
using GrocerySync.Agent.Logging;
using GrocerySync.Agent.Outbox;
using GrocerySync.Agent.Plugins;
using GrocerySync.Agent.Runs;
using GrocerySync.Contracts.Agents;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace GrocerySync.Agent.Service;

/// <summary>Heartbeats at the hub-set interval with version, OS, host, plugins, running runs and backlog; applies the runs to cancel.</summary>
internal sealed class HeartbeatService(
    HubClient hub,
    HubSession session,
    RunRegistry runs,
    PluginCache plugins,
    AgentOutbox outbox,
    Connectivity connectivity,
    StatusTracker status,
    TimeProvider time,
    ILogger<HeartbeatService> logger) : BackgroundService
{
    private static readonly TimeSpan SkewWarning = TimeSpan.FromMinutes(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = TimeSpan.FromSeconds(session.Agent.HeartbeatIntervalSeconds);
        var upgradeLogged = false;
        var skewLogged = false;
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            var wait = interval;
            try
            {
                var counts = await outbox.CountAsync(stoppingToken);
                var answer = await hub.HeartbeatAsync(
                    new HeartbeatRequest(AgentIdentityInfo.Current(), plugins.Inventory(), runs.Ids, counts.Events + counts.LogLines),
                    stoppingToken);
                connectivity.Succeeded();
                failures = 0;
                foreach (var id in answer.CancelRunIds ?? [])
                {
                    if (runs.Cancel(id, StopReason.CancelledByHub))
                    {
                        logger.RunCancelRequested(id, "the hub asked in a heartbeat answer");
                    }
                }

                if (answer.HeartbeatIntervalSeconds > 0 && answer.HeartbeatIntervalSeconds != (int)interval.TotalSeconds)
                {
                    interval = TimeSpan.FromSeconds(answer.HeartbeatIntervalSeconds);
                    logger.HeartbeatIntervalChanged(answer.HeartbeatIntervalSeconds);
                }

                if (answer.UpgradeSuggested && !upgradeLogged)
                {
                    upgradeLogged = true;
                    logger.UpgradeSuggested(answer.CurrentAgentVersion, AgentIdentityInfo.Version);
                }

                var skew = (time.GetUtcNow() - answer.ServerTime).Duration();
                if (skew > SkewWarning && !skewLogged)
                {
                    skewLogged = true;
                    logger.ClockSkew(skew.TotalSeconds);
                }

                wait = interval;
                await status.HeartbeatSucceededAsync((int)interval.TotalSeconds, answer.UpgradeSuggested, answer.CurrentAgentVersion);
            }
            catch (HubUnavailableException ex)
            {
                connectivity.Failed(ex);
                wait = Min(interval, connectivity.BackOff(++failures));
            }
            catch (HubRejectedException ex)
            {
                logger.HubRejected("heartbeat", ex.Message);
                await status.HubErrorAsync(ex.Message);
            }
            catch (AgentRevokedException)
            {
                return;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }

            try
            {
                await Task.Delay(wait, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;
}
