using System.Linq.Expressions;
using System.Reflection;
using GrocerySync.Hub.Data.Configurations;
using GrocerySync.Hub.Data.Entities;
using GrocerySync.Hub.Tenancy;
using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;

namespace GrocerySync.Hub.Data;

/// <summary>
/// The hub's database. Every tenant-owned entity gets a query filter that admits only the caller's
/// retailer (platform admins and the system see all). Provider-specific subclasses carry the migrations.
/// </summary>
internal abstract class HubDbContext(DbContextOptions options, CurrentUser currentUser, TimeProvider timeProvider)
    : IdentityUserContext<HubUser, Guid>(options), IDataProtectionKeyContext
{
    public DbSet<Retailer> Retailers => Set<Retailer>();

    public DbSet<Agent> Agents => Set<Agent>();

    public DbSet<Source> Sources => Set<Source>();

    public DbSet<Destination> Destinations => Set<Destination>();

    public DbSet<DestinationConnectionTest> ConnectionTests => Set<DestinationConnectionTest>();

    public DbSet<Job> Jobs => Set<Job>();

    public DbSet<JobRun> JobRuns => Set<JobRun>();

    public DbSet<JobRunStatusChange> JobRunStatusChanges => Set<JobRunStatusChange>();

    public DbSet<LogEntry> LogEntries => Set<LogEntry>();

    public DbSet<LogSegment> LogSegments => Set<LogSegment>();

    public DbSet<LogRunRange> LogRunRanges => Set<LogRunRange>();

    public DbSet<AuditEvent> AuditEvents => Set<AuditEvent>();

    public DbSet<AuditChain> AuditChains => Set<AuditChain>();

    public DbSet<NotificationRule> NotificationRules => Set<NotificationRule>();

    public DbSet<PluginPackage> PluginPackages => Set<PluginPackage>();

    public DbSet<PluginVersion> PluginVersions => Set<PluginVersion>();

    public DbSet<OutboxCursor> OutboxCursors => Set<OutboxCursor>();

    public DbSet<RefreshToken> RefreshTokens => Set<RefreshToken>();

    public DbSet<Invite> Invites => Set<Invite>();

    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    // Read by the query filters; EF Core turns these context members into per-query parameters.
    private bool TenantSeesAll => currentUser.SeesAllRetailers;

    private Guid TenantRetailerId => currentUser.FilterRetailerId;

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        builder.ApplyConfigurationsFromAssembly(typeof(HubDbContext).Assembly, t => t.Namespace == typeof(Configurations.RetailerConfiguration).Namespace);

        foreach (var entityType in builder.Model.GetEntityTypes())
        {
            if (typeof(ITenantOwned).IsAssignableFrom(entityType.ClrType))
            {
                builder.Entity(entityType.ClrType).HasQueryFilter(TenantFilter(entityType.ClrType));
            }
        }

        builder.Entity<HubUser>().HasQueryFilter(u => TenantSeesAll || u.RetailerId == TenantRetailerId);
        builder.Entity<AuditEvent>().HasQueryFilter(e => TenantSeesAll || e.RetailerId == TenantRetailerId);
        builder.Entity<Invite>().HasQueryFilter(i => TenantSeesAll || i.RetailerId == TenantRetailerId);
    }

    private LambdaExpression TenantFilter(Type clrType)
    {
        // e => this.TenantSeesAll || e.RetailerId == this.TenantRetailerId
        var entity = Expression.Parameter(clrType, "e");
        var context = Expression.Constant(this, typeof(HubDbContext));
        var body = Expression.OrElse(
            Expression.Property(context, typeof(HubDbContext).GetProperty(nameof(TenantSeesAll), BindingFlags.Instance | BindingFlags.NonPublic)!),
            Expression.Equal(
                Expression.Property(entity, nameof(ITenantOwned.RetailerId)),
                Expression.Property(context, typeof(HubDbContext).GetProperty(nameof(TenantRetailerId), BindingFlags.Instance | BindingFlags.NonPublic)!)));
        return Expression.Lambda(body, entity);
    }

    /// <summary>
    /// Whether a save locks the audit chain heads it appends to (<c>SELECT … FOR UPDATE</c>), so that writers of one
    /// chain queue behind each other instead of colliding on the head and retrying. SQLite has one writer at a
    /// time anyway and relies on the retry alone.
    /// </summary>
    internal virtual bool LocksAuditChains => false;

    public override async Task<int> SaveChangesAsync(bool acceptAllChangesOnSuccess, CancellationToken cancellationToken = default)
    {
        StampEditedEntities();
        for (var attempt = 1; ; attempt++)
        {
            // A transaction of the save's own, so the chain-head lock taken by the audit interceptor lasts until commit.
            await using var transaction = OwnsChainLockTransaction() ? await Database.BeginTransactionAsync(cancellationToken) : null;
            try
            {
                var saved = await base.SaveChangesAsync(acceptAllChangesOnSuccess && transaction is null, cancellationToken);
                if (transaction is not null)
                {
                    await transaction.CommitAsync(cancellationToken);
                    AcceptIf(acceptAllChangesOnSuccess);
                }

                return saved;
            }
            catch (DbUpdateException e) when (attempt < Features.Audit.AuditChains.MaxAttempts && Features.Audit.AuditChains.IsChainConflict(e))
            {
                // Another request appended to the same audit chain first (or created its head at the same moment); the
                // audit interceptor relinks on the new head. A random pause spreads out writers that keep colliding.
                await Task.Delay(Features.Audit.AuditChains.Backoff(attempt), cancellationToken);
            }
        }
    }

    public override int SaveChanges(bool acceptAllChangesOnSuccess)
    {
        StampEditedEntities();
        for (var attempt = 1; ; attempt++)
        {
            using var transaction = OwnsChainLockTransaction() ? Database.BeginTransaction() : null;
            try
            {
                var saved = base.SaveChanges(acceptAllChangesOnSuccess && transaction is null);
                if (transaction is not null)
                {
                    transaction.Commit();
                    AcceptIf(acceptAllChangesOnSuccess);
                }

                return saved;
            }
            catch (DbUpdateException e) when (attempt < Features.Audit.AuditChains.MaxAttempts && Features.Audit.AuditChains.IsChainConflict(e))
            {
                // As above.
                Thread.Sleep(Features.Audit.AuditChains.Backoff(attempt));
            }
        }
    }

    private bool OwnsChainLockTransaction() => LocksAuditChains && Database.CurrentTransaction is null && ChangeTracker.HasChanges();

    private void AcceptIf(bool accept)
    {
        if (accept)
        {
            ChangeTracker.AcceptAllChanges();
        }
    }

    private void StampEditedEntities()
    {
        var now = timeProvider.GetUtcNow();
        foreach (var entry in ChangeTracker.Entries())
        {
            if (entry.State is not (EntityState.Added or EntityState.Modified) || OnlyRuntimeChanged(entry))
            {
                continue;
            }

            switch (entry.Entity)
            {
                case EditableEntity editable:
                    Stamp(entry.State, now, editable.CreatedAt, v => editable.CreatedAt = v, v => editable.UpdatedAt = v, () => editable.Version++);
                    break;
                case HubUser user:
                    Stamp(entry.State, now, user.CreatedAt, v => user.CreatedAt = v, v => user.UpdatedAt = v, () => user.Version++);
                    break;
                default:
                    break;
            }
        }
    }

    /// <summary>
    /// Heartbeats, schedules and finished runs keep some properties current by themselves (the audited types' runtime
    /// properties). Such a save is not an edit: it leaves the version alone, so a user's update based on what they read
    /// does not fail with a concurrency conflict because a run finished meanwhile.
    /// </summary>
    private static bool OnlyRuntimeChanged(EntityEntry entry) =>
        entry.State == EntityState.Modified
        && Features.Audit.AuditInterceptor.AuditedTypes.TryGetValue(entry.Metadata.ClrType, out var audited)
        && entry.Properties.Where(p => p.IsModified).All(p => audited.Runtime.Contains(p.Metadata.Name));

    private static void Stamp(EntityState state, DateTimeOffset now, DateTimeOffset createdAt, Action<DateTimeOffset> setCreated, Action<DateTimeOffset> setUpdated, Action bumpVersion)
    {
        if (state == EntityState.Added && createdAt == default)
        {
            setCreated(now);
        }

        setUpdated(now);
        bumpVersion();
    }
}

internal sealed class SqliteHubDbContext(DbContextOptions<SqliteHubDbContext> options, CurrentUser currentUser, TimeProvider timeProvider)
    : HubDbContext(options, currentUser, timeProvider)
{
    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        // SQLite has no date-time type that sorts and compares; UTC ticks in an integer column do both.
        configurationBuilder.Properties<DateTimeOffset>().HaveConversion<DateTimeOffsetTicksConverter>();
    }
}

internal sealed class PostgresHubDbContext(DbContextOptions<PostgresHubDbContext> options, CurrentUser currentUser, TimeProvider timeProvider)
    : HubDbContext(options, currentUser, timeProvider)
{
    internal override bool LocksAuditChains => true;

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        // timestamptz stores instants; Npgsql refuses non-UTC offsets, so every value is normalised on the way in.
        configurationBuilder.Properties<DateTimeOffset>().HaveConversion<UtcDateTimeOffsetConverter>();
    }

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);

        // Log lines are the table written at volume: here its primary key leads with the tenant, so the key itself
        // serves keyset paging of a retailer's lines and each line costs one b-tree insert fewer. (SQLite keeps the
        // integer row id as the key, which is the table itself.) Writers reserve line ids a block at a time (LogWriter).
        builder.HasSequence<long>(Features.Logs.LogWriter.IdSequence).IncrementsBy(Features.Logs.LogWriter.IdBlock);

        // Heartbeats rewrite each agent's row every few seconds: room on its page keeps the new version there (a HOT
        // update, no index touched), and the page's dead versions are pruned as it fills.
        builder.Entity<Agent>().HasStorageParameter("fillfactor", 70);
        builder.Entity<LogEntry>(b =>
        {
            b.HasKey(e => new { e.RetailerId, e.Id });
            b.Property(e => e.Id).ValueGeneratedNever();
            b.Metadata.RemoveIndex(b.Metadata.GetIndexes().Single(i => i.GetDatabaseName() == LogEntryConfiguration.TenantIndex));
        });
    }
}
