using GrocerySync.Contracts;
using GrocerySync.Hub.Data;
using GrocerySync.Hub.Features.Agents;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace GrocerySync.Hub.Features.Dispatch;

/// <summary>
/// Marks agents Offline once their last heartbeat is older than their interval plus the grace (Fleet's rule:
/// interval + 60 s), with the instant they crossed it. One late heartbeat within the grace never flaps the status,
/// and the next heartbeat sets the agent Online again. Each agent is changed with a conditional update on the
/// heartbeat it was judged by, so several replicas agree and a heartbeat that lands meanwhile wins.
/// </summary>
internal sealed class HeartbeatMonitor(IServiceScopeFactory scopes, TimeProvider time, IOptions<AgentOptions> options, ILogger<HeartbeatMonitor> log)
    : PeriodicService(scopes, time, log)
{
    private const int ShortestInterval = 5;

    protected override TimeSpan Interval => options.Value.MonitorInterval;

    protected override async Task RunAsync(IServiceProvider services, HubDbContext db, CancellationToken ct)
    {
        var now = Clock.GetUtcNow();
        var grace = options.Value.OfflineGrace;
        var candidatesBefore = now - grace - TimeSpan.FromSeconds(ShortestInterval);
        var candidates = await db.Agents.AsNoTracking()
            .Where(a => a.Status == AgentStatus.Online && a.LastHeartbeatAt != null && a.LastHeartbeatAt < candidatesBefore)
            .Select(a => new { a.Id, a.LastHeartbeatAt, a.HeartbeatIntervalSeconds })
            .Take(1000)
            .ToListAsync(ct);
        foreach (var agent in candidates)
        {
            var lastSeen = agent.LastHeartbeatAt!.Value;
            var offlineAt = lastSeen + TimeSpan.FromSeconds(agent.HeartbeatIntervalSeconds) + grace;
            if (offlineAt >= now)
            {
                continue;
            }

            var changed = await db.Agents
                .Where(a => a.Id == agent.Id && a.Status == AgentStatus.Online && a.LastHeartbeatAt == lastSeen)
                .ExecuteUpdateAsync(s => s.SetProperty(a => a.Status, AgentStatus.Offline).SetProperty(a => a.OfflineSince, offlineAt), ct);
            if (changed == 1)
            {
                HubLog.AgentWentOffline(log, agent.Id, lastSeen, offlineAt);
            }
        }
    }
}
