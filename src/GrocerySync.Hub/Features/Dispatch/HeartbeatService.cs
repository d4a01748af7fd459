using System.Text.Json;
using GrocerySync.Contracts;
using GrocerySync.Contracts.Agents;
using GrocerySync.Hub.Data;
using GrocerySync.Hub.Data.Configurations;
using GrocerySync.Hub.Features.Agents;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace GrocerySync.Hub.Features.Dispatch;

/// <summary>
/// Answers heartbeats from memory: the heartbeat goes to the batch writer, cancel requests come from their cache.
/// Only a heartbeat that lists running runs reads the database (to tell the agent which of them the hub ended).
/// </summary>
internal sealed class HeartbeatService(HeartbeatWriter heartbeats, CancelRequests cancels, TimeProvider time, IOptions<AgentOptions> agentOptions, IOptions<RunOptions> runOptions)
{
    public const int MaxRunIdsPerHeartbeat = 1000;
    public const int MaxPluginsPerHeartbeat = 500;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public async Task<HeartbeatResponse> HeartbeatAsync(AgentCaller agent, HeartbeatRequest request, IServiceProvider requestServices, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var running = request.RunningRunIds ?? [];
        var plugins = JsonSerializer.Serialize(request.Plugins ?? [], Json);
        heartbeats.Enqueue(new HeartbeatUpdate(
            agent.AgentId, now, Clip(request.Agent.AgentVersion, Lengths.Version), Clip(request.Agent.OperatingSystem, Lengths.Name),
            Clip(request.Agent.HostName, Lengths.HostName), plugins.Length <= Lengths.Settings ? plugins : "[]", running,
            now + runOptions.Value.LeaseFor(agent.HeartbeatIntervalSeconds)));

        IReadOnlyList<Guid> cancel = cancels.For(agent.AgentId);
        if (running.Count > 0)
        {
            // Runs the agent still executes but the hub has ended (swept, timed out) or that are not its own.
            var ids = running.ToList();
            var db = requestServices.GetRequiredService<HubDbContext>();
            var owned = await db.JobRuns.AsNoTracking()
                .Where(r => ids.Contains(r.Id) && r.AgentId == agent.AgentId)
                .Select(r => new { r.Id, r.Status, r.CancelRequestedAt })
                .ToListAsync(ct);
            var active = owned.Where(r => !r.Status.IsFinal() && r.CancelRequestedAt is null).Select(r => r.Id).ToHashSet();
            cancel = [.. cancel.Concat(ids.Where(id => !active.Contains(id))).Distinct()];
        }

        var current = agentOptions.Value.EffectiveCurrentVersion;
        return new HeartbeatResponse(agent.HeartbeatIntervalSeconds, now, cancel, AgentService.UpgradeSuggested(request.Agent.AgentVersion, current), current);
    }

    private static string? Clip(string? value, int max) =>
        string.IsNullOrWhiteSpace(value) ? null : value.Length <= max ? value.Trim() : value.Trim()[..max];
}
