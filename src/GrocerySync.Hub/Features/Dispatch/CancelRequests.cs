using System.Collections.Frozen;
using GrocerySync.Contracts;
using GrocerySync.Hub.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace GrocerySync.Hub.Features.Dispatch;

/// <summary>
/// The runs users asked to cancel while an agent has them, by agent, so a heartbeat answer needs no database read.
/// A cancel on this replica is added at once; the whole set is reloaded every <see cref="RunOptions.CancelPollInterval"/>
/// so cancels on other replicas arrive within it.
/// </summary>
internal sealed class CancelRequests(IServiceScopeFactory scopes, IOptions<RunOptions> options, ILogger<CancelRequests> log)
    : PeriodicService(scopes, TimeProvider.System, log)
{
    private volatile FrozenDictionary<Guid, Guid[]> _byAgent = FrozenDictionary<Guid, Guid[]>.Empty;
    private readonly Lock _gate = new();

    protected override TimeSpan Interval => options.Value.CancelPollInterval;

    public IReadOnlyList<Guid> For(Guid agentId) => _byAgent.TryGetValue(agentId, out var runs) ? runs : [];

    public void Add(Guid agentId, Guid runId)
    {
        lock (_gate)
        {
            var copy = _byAgent.ToDictionary();
            copy[agentId] = [.. For(agentId).Append(runId).Distinct()];
            _byAgent = copy.ToFrozenDictionary();
        }
    }

    protected override async Task RunAsync(IServiceProvider services, HubDbContext db, CancellationToken ct)
    {
        var rows = await db.JobRuns.AsNoTracking()
            .Where(r => (r.Status == RunStatus.Dispatched || r.Status == RunStatus.Running) && r.CancelRequestedAt != null)
            .Select(r => new { r.AgentId, r.Id })
            .ToListAsync(ct);
        var fresh = rows.GroupBy(r => r.AgentId).ToFrozenDictionary(g => g.Key, g => g.Select(r => r.Id).ToArray());
        lock (_gate)
        {
            _byAgent = fresh;
        }
    }
}
