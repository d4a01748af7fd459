using System.ComponentModel.DataAnnotations;
using System.Text.Json.Nodes;
using GrocerySync.Hub.Data;
using GrocerySync.Hub.Data.Entities;
using GrocerySync.Hub.Tenancy;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace GrocerySync.Hub.Features.Audit;

/// <summary>Settings under <c>Hub:Audit</c>.</summary>
internal sealed class AuditOptions
{
    /// <summary>Entries older than this many days are deleted by the retention sweep; 0 keeps them forever.</summary>
    [Range(0, 36_500)]
    public int RetentionDays { get; set; }

    /// <summary>How often the retention sweep runs.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "7.00:00:00")]
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromHours(6);
}

/// <summary>
/// Deletes audit entries past the retention period without breaking verification: per chain, only the oldest
/// run of entries (a prefix) goes, the hash of the last deleted entry becomes the chain's anchor, and an
/// <see cref="AuditEventType.AuditRetentionApplied"/> entry in the same transaction records the checkpoint.
/// </summary>
internal sealed class AuditRetention(HubDbContext db, AuditLog audit)
{
    /// <summary>Sweeps one chain (a retailer's, or the platform's for null); answers how many entries were deleted.</summary>
    public async Task<int> SweepChainAsync(Guid? retailerId, DateTimeOffset cutoff, CancellationToken ct)
    {
        var chainId = AuditChain.IdFor(retailerId);
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var head = await db.AuditChains.AsNoTracking().SingleOrDefaultAsync(h => h.Id == chainId, ct);
        if (head is null)
        {
            return 0;
        }

        var chain = db.AuditEvents.IgnoreQueryFilters().Where(e => e.RetailerId == retailerId && e.Sequence > head.AnchorSequence && e.Sequence <= head.LastSequence);
        var firstKept = await chain.Where(e => e.At >= cutoff).MinAsync(e => (long?)e.Sequence, ct);
        var lastDeleted = (firstKept ?? head.LastSequence + 1) - 1;
        if (lastDeleted <= head.AnchorSequence)
        {
            return 0;
        }

        var anchorHash = await chain.Where(e => e.Sequence == lastDeleted).Select(e => e.Hash).SingleAsync(ct);
        var deleted = await chain.Where(e => e.Sequence <= lastDeleted).ExecuteDeleteAsync(ct);

        // Moving the anchor bumps the head's version, so a writer that read the head before this sweep relinks.
        var moved = await db.AuditChains
            .Where(h => h.Id == chainId && h.Version == head.Version)
            .ExecuteUpdateAsync(s => s.SetProperty(h => h.AnchorSequence, lastDeleted).SetProperty(h => h.AnchorHash, anchorHash).SetProperty(h => h.Version, head.Version + 1), ct);
        if (moved == 0)
        {
            // Someone appended meanwhile; the next sweep tries again.
            await transaction.RollbackAsync(ct);
            return 0;
        }

        audit.Record(AuditEventType.AuditRetentionApplied, "AuditTrail", null, retailerId, new JsonObject
        {
            ["DeletedEntries"] = deleted,
            ["AnchorSequence"] = lastDeleted,
            ["AnchorHash"] = anchorHash,
            ["OlderThan"] = cutoff,
        });
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return deleted;
    }

    /// <summary>Every chain's ids: each retailer's and the platform's.</summary>
    public async Task<List<Guid?>> ChainsAsync(CancellationToken ct) =>
        [.. (await db.AuditChains.AsNoTracking().Select(h => h.Id).ToListAsync(ct)).Select(id => id == AuditChain.PlatformId ? (Guid?)null : id)];
}

/// <summary>Runs the retention sweep over every chain every <see cref="AuditOptions.SweepInterval"/>, when a retention period is set.</summary>
internal sealed class AuditRetentionWorker(IServiceScopeFactory scopes, IOptions<HubOptions> options, TimeProvider time, ILogger<AuditRetentionWorker> log) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value.Audit;
        if (settings.RetentionDays == 0)
        {
            return;
        }

        do
        {
            try
            {
                await SweepAsync(time.GetUtcNow().AddDays(-settings.RetentionDays), stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                HubLog.AuditRetentionFailed(log, e);
            }
        }
        while (await time.WaitAsync(settings.SweepInterval, stoppingToken));
    }

    private async Task SweepAsync(DateTimeOffset cutoff, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<CurrentUser>().SetSystem();
        var retention = scope.ServiceProvider.GetRequiredService<AuditRetention>();
        foreach (var chain in await retention.ChainsAsync(ct))
        {
            await using var chainScope = scopes.CreateAsyncScope();
            chainScope.ServiceProvider.GetRequiredService<CurrentUser>().SetSystem();
            var deleted = await chainScope.ServiceProvider.GetRequiredService<AuditRetention>().SweepChainAsync(chain, cutoff, ct);
            if (deleted > 0)
            {
                var name = chain?.ToString() ?? "platform";
                HubLog.AuditRetentionApplied(log, deleted, name, cutoff);
            }
        }
    }
}
