using System.Collections.Concurrent;
using GrocerySync.Contracts;
using GrocerySync.Hub.Data;
using GrocerySync.Hub.Tenancy;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace GrocerySync.Hub.Features.Agents;

/// <summary>What the hub knows about the agent behind a key prefix, for authenticating its requests.</summary>
internal sealed record AgentKeyEntry(Guid AgentId, Guid RetailerId, string Name, byte[] Hash, bool Revoked, DateTimeOffset? RevokedAt, int HeartbeatIntervalSeconds);

/// <summary>
/// Agents looked up by key prefix, kept for <see cref="AgentOptions.KeyCacheDuration"/> so that thousands of
/// heartbeats a second do not each read the database. The secret is always verified against the hash; only the
/// row is cached. Revoking on this replica evicts at once; other replicas notice within the cache duration.
/// </summary>
internal sealed class AgentKeyCache(IServiceScopeFactory scopes, TimeProvider time, IOptions<AgentOptions> options)
{
    private readonly ConcurrentDictionary<string, (AgentKeyEntry Entry, DateTimeOffset Until)> _entries = new(StringComparer.Ordinal);

    public async ValueTask<AgentKeyEntry?> FindAsync(string prefix, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        if (_entries.TryGetValue(prefix, out var cached) && cached.Until > now)
        {
            return cached.Entry;
        }

        await using var scope = scopes.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<CurrentUser>().SetSystem();
        var db = scope.ServiceProvider.GetRequiredService<HubDbContext>();
        var row = await db.Agents.AsNoTracking()
            .Where(a => a.ApiKeyPrefix == prefix && a.ApiKeyHash != null)
            .Select(a => new { a.Id, a.RetailerId, a.Name, a.ApiKeyHash, a.Status, a.RevokedAt, a.HeartbeatIntervalSeconds })
            .SingleOrDefaultAsync(ct);
        if (row is null)
        {
            _entries.TryRemove(prefix, out _);
            return null;
        }

        var entry = new AgentKeyEntry(row.Id, row.RetailerId, row.Name, Convert.FromHexString(row.ApiKeyHash!), row.Status == AgentStatus.Revoked, row.RevokedAt, row.HeartbeatIntervalSeconds);
        var duration = options.Value.KeyCacheDuration;
        if (duration > TimeSpan.Zero)
        {
            _entries[prefix] = (entry, now + duration);
        }

        return entry;
    }

    /// <summary>Forgets a key, so that its next use reads the database (after a revoke or a new key).</summary>
    public void Evict(string? prefix)
    {
        if (prefix is not null)
        {
            _entries.TryRemove(prefix, out _);
        }
    }
}
