using System.Collections.Concurrent;
using GrocerySync.Contracts;
using GrocerySync.Hub.Data;
using GrocerySync.Hub.Features.Dispatch;
using GrocerySync.Hub.Tenancy;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace GrocerySync.Hub.Features.Agents;

/// <summary>What the hub knows about the agent behind a key prefix, for authenticating its requests.</summary>
internal sealed record AgentKeyEntry(Guid AgentId, Guid RetailerId, string Name, byte[] Hash, bool Revoked, DateTimeOffset? RevokedAt, int HeartbeatIntervalSeconds);

/// <summary>
/// Agents looked up by key prefix, so that thousands of heartbeats a second do not each read the database. The
/// secret is always verified against the hash; only the row is cached, and never trusted longer than
/// <see cref="AgentOptions.KeyCacheDuration"/> after it was read. Rather than reading each agent again when its
/// entry ages out (with 10,000 agents and a 10 s duration, 1,000 queries a second), every half duration one pass
/// reads the rows of all entries used since the previous pass, a few thousand per query, and forgets the unused
/// ones. Revoking on this replica evicts at once; other replicas notice within the cache duration.
/// </summary>
internal sealed class AgentKeyCache(IServiceScopeFactory scopes, TimeProvider time, IOptions<AgentOptions> options, ILogger<AgentKeyCache> log)
    : PeriodicService(scopes, TimeProvider.System, log)
{
    private const int RefreshChunk = 5000;

    private readonly ConcurrentDictionary<string, Cached> _entries = new(StringComparer.Ordinal);

    protected override TimeSpan Interval => options.Value.KeyCacheDuration > TimeSpan.Zero ? options.Value.KeyCacheDuration / 2 : TimeSpan.FromMinutes(1);

    public async ValueTask<AgentKeyEntry?> FindAsync(string prefix, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        if (_entries.TryGetValue(prefix, out var cached) && now - cached.ReadAt < options.Value.KeyCacheDuration)
        {
            // Written only when it changes: thousands of requests a second read the entries, and a write each would
            // bounce their cache lines between the cores.
            if (!cached.Used)
            {
                cached.Used = true;
            }

            return cached.Entry;
        }

        await using var scope = Scopes.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<CurrentUser>().SetSystem();
        var db = scope.ServiceProvider.GetRequiredService<HubDbContext>();
        var entry = (await ReadAsync(db, [prefix], ct)).GetValueOrDefault(prefix);
        if (entry is null)
        {
            _entries.TryRemove(prefix, out _);
            return null;
        }

        if (options.Value.KeyCacheDuration > TimeSpan.Zero)
        {
            _entries[prefix] = new Cached(entry, now) { Used = true };
        }

        return entry;
    }

    /// <summary>How many keys are cached.</summary>
    public int Count => _entries.Count;

    /// <summary>Forgets a key, so that its next use reads the database (after a revoke or a new key).</summary>
    public void Evict(string? prefix)
    {
        if (prefix is not null)
        {
            _entries.TryRemove(prefix, out _);
        }
    }

    /// <summary>
    /// Reads again the rows of the entries used since the last pass and forgets the others. An entry is only replaced
    /// if it is still the one the pass saw, so an eviction meanwhile (a revoke on this replica) is never undone.
    /// </summary>
    protected override async Task RunAsync(IServiceProvider services, HubDbContext db, CancellationToken ct)
    {
        var used = new List<KeyValuePair<string, Cached>>();
        foreach (var pair in _entries)
        {
            if (pair.Value.Used)
            {
                used.Add(pair);
            }
            else
            {
                _entries.TryRemove(pair);
            }
        }

        foreach (var chunk in used.Chunk(RefreshChunk))
        {
            var readAt = time.GetUtcNow();
            var rows = await ReadAsync(db, [.. chunk.Select(p => p.Key)], ct);
            foreach (var (prefix, seen) in chunk)
            {
                if (rows.TryGetValue(prefix, out var entry))
                {
                    _entries.TryUpdate(prefix, new Cached(entry, readAt), seen);
                }
                else
                {
                    _entries.TryRemove(KeyValuePair.Create(prefix, seen));
                }
            }
        }
    }

    private static async Task<Dictionary<string, AgentKeyEntry>> ReadAsync(HubDbContext db, string[] prefixes, CancellationToken ct)
    {
        var rows = await db.Agents.AsNoTracking()
            .Where(a => prefixes.Contains(a.ApiKeyPrefix!) && a.ApiKeyHash != null)
            .Select(a => new { a.ApiKeyPrefix, a.Id, a.RetailerId, a.Name, a.ApiKeyHash, a.Status, a.RevokedAt, a.HeartbeatIntervalSeconds })
            .ToListAsync(ct);
        return rows.ToDictionary(
            r => r.ApiKeyPrefix!,
            r => new AgentKeyEntry(r.Id, r.RetailerId, r.Name, Convert.FromHexString(r.ApiKeyHash!), r.Status == AgentStatus.Revoked, r.RevokedAt, r.HeartbeatIntervalSeconds),
            StringComparer.Ordinal);
    }

    /// <summary>A row as read at <see cref="ReadAt"/>; <see cref="Used"/> says a request needed it since the last pass.</summary>
    private sealed class Cached(AgentKeyEntry entry, DateTimeOffset readAt)
    {
        public AgentKeyEntry Entry { get; } = entry;

        public DateTimeOffset ReadAt { get; } = readAt;

        public bool Used { get; set; }
    }
}
