using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using GrocerySync.Hub.Data;
using GrocerySync.Hub.Data.Entities;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace GrocerySync.Hub.Features.Audit;

/// <summary>
/// The audit trail's hash chains. Each retailer has one chain, and platform-level entries another. An entry's
/// hash covers a canonical form of all its fields and the previous entry's hash, so changing, removing or
/// reordering a stored entry breaks the chain at that entry. The chain head (<see cref="AuditChain"/>) moves in
/// the same transaction as the entries: two concurrent writers of one chain cannot both append after the same
/// entry. On PostgreSQL the head is read with <c>FOR UPDATE</c>, so the second writer waits for the first to commit;
/// elsewhere (and when two writers create a chain's head at once) the second one's head update finds a newer version
/// and its save is retried.
/// </summary>
internal static class AuditChains
{
    /// <summary>The "previous hash" of a chain's first entry.</summary>
    public static readonly string Genesis = new('0', 64);

    /// <summary>How often a save whose chain head moved underneath it is retried before the conflict surfaces.</summary>
    public const int MaxAttempts = 30;

    /// <summary>A random pause before retry <paramref name="attempt"/>, growing with each collision (at most about 200 ms).</summary>
    public static TimeSpan Backoff(int attempt) =>
        TimeSpan.FromMilliseconds(System.Security.Cryptography.RandomNumberGenerator.GetInt32(1, 5 + (Math.Min(attempt, 20) * 10)));

    /// <summary>
    /// Gives every added entry its place in its chain: the next sequence number, the previous hash, its own hash;
    /// and moves each chain head, loaded fresh so that a retry after a conflict builds on the winner's entries.
    /// </summary>
    public static async ValueTask LinkAsync(DbContext context, bool async, CancellationToken ct)
    {
        var added = context.ChangeTracker.Entries<AuditEvent>().Where(e => e.State == EntityState.Added).Select(e => e.Entity).ToList();
        var locks = context is HubDbContext { LocksAuditChains: true } && context.Database.CurrentTransaction is not null;
        foreach (var chain in added.GroupBy(e => AuditChain.IdFor(e.RetailerId)).OrderBy(c => c.Key))
        {
            foreach (var stale in context.ChangeTracker.Entries<AuditChain>().Where(h => h.Entity.Id == chain.Key).ToList())
            {
                stale.State = EntityState.Detached;
            }

            // Heads are locked in id order, so two saves that touch the same two chains cannot deadlock.
            var query = locks
                ? context.Set<AuditChain>().FromSql($"""SELECT * FROM "AuditChains" WHERE "Id" = {chain.Key} FOR UPDATE""").AsNoTracking()
                : context.Set<AuditChain>().AsNoTracking().Where(h => h.Id == chain.Key);
            var head = async ? await query.SingleOrDefaultAsync(ct) : query.SingleOrDefault();
            if (head is null)
            {
                head = new AuditChain { Id = chain.Key, LastHash = Genesis, AnchorHash = Genesis };
                context.Add(head);
            }
            else
            {
                context.Attach(head);
            }

            foreach (var entry in chain)
            {
                entry.At = Normalize(entry.At);
                entry.Sequence = head.LastSequence + 1;
                entry.PreviousHash = head.LastHash;
                entry.Hash = HashOf(entry);
                head.LastSequence = entry.Sequence;
                head.LastHash = entry.Hash;
            }

            head.Version++;
        }
    }

    /// <summary>
    /// Whether a failed save lost a race for a chain head (a newer head version, or two writers creating the same
    /// chain's head or sequence number at once), so that retrying it on the new head is the right answer.
    /// </summary>
    public static bool IsChainConflict(DbUpdateException exception) => exception switch
    {
        DbUpdateConcurrencyException concurrency => concurrency.Entries.Count > 0 && concurrency.Entries.All(e => e.Entity is AuditChain),
        { InnerException: PostgresException { SqlState: PostgresErrorCodes.UniqueViolation } postgres } =>
            postgres.TableName is "AuditChains" or "AuditEvents" || (postgres.ConstraintName?.Contains("Audit", StringComparison.Ordinal) ?? false),
        { InnerException: SqliteException { SqliteExtendedErrorCode: 1555 or 2067 } sqlite } =>
            sqlite.Message.Contains("AuditChains.", StringComparison.Ordinal) || sqlite.Message.Contains("AuditEvents.", StringComparison.Ordinal),
        _ => false,
    };

    /// <summary>The hash an entry must carry: SHA-256 over its canonical form.</summary>
    public static string HashOf(AuditEvent entry) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Canonical(entry))));

    /// <summary>
    /// Every field but the database id and the hash itself, as a JSON array of strings in a fixed order; times as
    /// UTC ticks. A version marker first, so that a future format can coexist with this one.
    /// </summary>
    public static string Canonical(AuditEvent e) => JsonSerializer.Serialize(new[]
    {
        "gs-audit-v1",
        AuditChain.IdFor(e.RetailerId).ToString("D"),
        e.Sequence.ToString(CultureInfo.InvariantCulture),
        e.PreviousHash,
        e.RetailerId?.ToString("D"),
        ((int)e.Type).ToString(CultureInfo.InvariantCulture),
        e.ActorUserId?.ToString("D"),
        e.ActorAgentId?.ToString("D"),
        e.ActorName,
        e.EntityType,
        e.EntityId?.ToString("D"),
        e.Changes,
        e.IpAddress,
        e.UserAgent,
        Normalize(e.At).UtcTicks.ToString(CultureInfo.InvariantCulture),
    });

    /// <summary>UTC, to whole microseconds: what PostgreSQL's timestamptz keeps, so the hash survives the round trip.</summary>
    public static DateTimeOffset Normalize(DateTimeOffset at)
    {
        var utc = at.ToUniversalTime();
        return new DateTimeOffset(utc.UtcTicks - (utc.UtcTicks % 10), TimeSpan.Zero);
    }
}
