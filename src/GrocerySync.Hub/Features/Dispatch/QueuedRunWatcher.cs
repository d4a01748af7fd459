using GrocerySync.Contracts;
using GrocerySync.Hub.Data;
using GrocerySync.Hub.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace GrocerySync.Hub.Features.Dispatch;

/// <summary>
/// Finds runs queued and connection tests requested on another replica (or before a restart) and wakes this replica's
/// long-polls of their agents: two queries per replica per <see cref="RunOptions.WorkRecheckInterval"/>, however many
/// agents are waiting. Work queued on this replica wakes its poll at once through <see cref="WorkSignals"/>.
/// </summary>
internal sealed class QueuedRunWatcher(IServiceScopeFactory scopes, WorkSignals signals, IOptions<RunOptions> options, ILogger<QueuedRunWatcher> log)
    : PeriodicService(scopes, TimeProvider.System, log)
{
    protected override TimeSpan Interval => options.Value.WorkRecheckInterval;

    protected override async Task RunAsync(IServiceProvider services, HubDbContext db, CancellationToken ct)
    {
        var agents = await db.JobRuns.AsNoTracking().Where(r => r.Status == RunStatus.Queued).Select(r => r.AgentId).Distinct().OrderBy(a => a).Take(10_000).ToListAsync(ct);
        var testing = await db.ConnectionTests.AsNoTracking().Where(t => t.Status == ConnectionTestStatus.Pending).Select(t => t.AgentId).Distinct().OrderBy(a => a).Take(10_000).ToListAsync(ct);
        foreach (var agentId in agents.Union(testing))
        {
            signals.Signal(agentId);
        }
    }
}
