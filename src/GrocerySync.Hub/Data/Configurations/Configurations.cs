using GrocerySync.Hub.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace GrocerySync.Hub.Data.Configurations;

// One configuration per entity. Indexes cover every foreign key and every column a list filters or
// orders by; tenant-owned lists always filter by RetailerId first, so their indexes lead with it.

public static class Lengths
{
    public const int Name = 200;
    public const int Slug = 64;
    public const int TimeZone = 64;
    public const int PluginId = 128;
    public const int Version = 64;
    public const int Cron = 128;
    public const int Message = 2000;
    public const int Settings = 64 * 1024;
    public const int Target = 500;
    public const int HostName = 255;
}

internal static class EditableEntityConfiguration
{
    public static void ConfigureEditable<T>(this EntityTypeBuilder<T> b)
        where T : EditableEntity
    {
        b.HasKey(e => e.Id);
        b.Property(e => e.Version).IsConcurrencyToken();
    }
}

internal sealed class RetailerConfiguration : IEntityTypeConfiguration<Retailer>
{
    public void Configure(EntityTypeBuilder<Retailer> b)
    {
        b.ConfigureEditable();
        b.Property(e => e.Name).HasMaxLength(Lengths.Name);
        b.Property(e => e.Slug).HasMaxLength(Lengths.Slug);
        b.Property(e => e.TimeZone).HasMaxLength(Lengths.TimeZone);
        b.HasIndex(e => e.Slug).IsUnique();
        b.HasIndex(e => e.Name);
        b.HasIndex(e => e.Status);
        b.HasIndex(e => e.CreatedAt);
    }
}

internal sealed class HubUserConfiguration : IEntityTypeConfiguration<HubUser>
{
    public void Configure(EntityTypeBuilder<HubUser> b)
    {
        b.Property(e => e.DisplayName).HasMaxLength(Lengths.Name);
        b.Property(e => e.Version).IsConcurrencyToken();
        b.HasOne(e => e.Retailer).WithMany().HasForeignKey(e => e.RetailerId).OnDelete(DeleteBehavior.Restrict);
        b.HasIndex(e => e.RetailerId);
        b.HasIndex(e => e.Role);
        b.HasIndex(e => e.DisplayName);
        b.HasIndex(e => e.CreatedAt);
    }
}

internal sealed class AgentConfiguration : IEntityTypeConfiguration<Agent>
{
    public void Configure(EntityTypeBuilder<Agent> b)
    {
        b.ConfigureEditable();
        b.Property(e => e.Name).HasMaxLength(Lengths.Name);
        b.Property(e => e.AgentVersion).HasMaxLength(Lengths.Version);
        b.Property(e => e.OperatingSystem).HasMaxLength(Lengths.Name);
        b.Property(e => e.HostName).HasMaxLength(Lengths.HostName);
        b.Property(e => e.ApiKeyPrefix).HasMaxLength(32);
        b.Property(e => e.ApiKeyHash).HasMaxLength(128);
        b.HasOne<Retailer>().WithMany().HasForeignKey(e => e.RetailerId).OnDelete(DeleteBehavior.Restrict);
        b.HasIndex(e => new { e.RetailerId, e.Name }).IsUnique();
        b.HasIndex(e => new { e.RetailerId, e.Status });
        b.HasIndex(e => new { e.RetailerId, e.CreatedAt });
        b.HasIndex(e => e.LastHeartbeatAt);
        b.HasIndex(e => e.ApiKeyPrefix).IsUnique();
    }
}

internal sealed class SourceConfiguration : IEntityTypeConfiguration<Source>
{
    public void Configure(EntityTypeBuilder<Source> b)
    {
        b.ConfigureEditable();
        b.Property(e => e.SecretNames).HasMaxLength(Lengths.Message);
        b.Property(e => e.Name).HasMaxLength(Lengths.Name);
        b.Property(e => e.PluginId).HasMaxLength(Lengths.PluginId);
        b.HasOne<Retailer>().WithMany().HasForeignKey(e => e.RetailerId).OnDelete(DeleteBehavior.Restrict);
        b.HasOne(e => e.Agent).WithMany().HasForeignKey(e => e.AgentId).OnDelete(DeleteBehavior.Restrict);
        b.HasIndex(e => new { e.RetailerId, e.Name }).IsUnique();
        b.HasIndex(e => new { e.RetailerId, e.PluginId });
        b.HasIndex(e => new { e.RetailerId, e.CreatedAt });
        b.HasIndex(e => e.AgentId);
    }
}

internal sealed class DestinationConfiguration : IEntityTypeConfiguration<Destination>
{
    public void Configure(EntityTypeBuilder<Destination> b)
    {
        b.ConfigureEditable();
        b.Property(e => e.SecretNames).HasMaxLength(Lengths.Message);
        b.Property(e => e.Name).HasMaxLength(Lengths.Name);
        b.Property(e => e.PluginId).HasMaxLength(Lengths.PluginId);
        b.Property(e => e.LastTestMessage).HasMaxLength(Lengths.Message);
        b.HasOne<Retailer>().WithMany().HasForeignKey(e => e.RetailerId).OnDelete(DeleteBehavior.Restrict);
        b.HasIndex(e => new { e.RetailerId, e.Name }).IsUnique();
        b.HasIndex(e => new { e.RetailerId, e.PluginId });
        b.HasIndex(e => new { e.RetailerId, e.ConnectionStatus });
        b.HasIndex(e => new { e.RetailerId, e.CreatedAt });
    }
}

internal sealed class JobConfiguration : IEntityTypeConfiguration<Job>
{
    public void Configure(EntityTypeBuilder<Job> b)
    {
        b.ConfigureEditable();
        b.Property(e => e.Name).HasMaxLength(Lengths.Name);
        b.Property(e => e.AdapterPluginId).HasMaxLength(Lengths.PluginId);
        b.Property(e => e.CronExpression).HasMaxLength(Lengths.Cron);
        b.Property(e => e.TimeZone).HasMaxLength(Lengths.TimeZone);
        b.HasOne<Retailer>().WithMany().HasForeignKey(e => e.RetailerId).OnDelete(DeleteBehavior.Restrict);
        b.HasOne(e => e.Agent).WithMany().HasForeignKey(e => e.AgentId).OnDelete(DeleteBehavior.Restrict);
        b.HasOne(e => e.Source).WithMany().HasForeignKey(e => e.SourceId).OnDelete(DeleteBehavior.Restrict);
        b.HasOne(e => e.Destination).WithMany().HasForeignKey(e => e.DestinationId).OnDelete(DeleteBehavior.Restrict);
        b.HasIndex(e => new { e.RetailerId, e.Name }).IsUnique();
        b.HasIndex(e => new { e.RetailerId, e.CreatedAt });
        b.HasIndex(e => new { e.RetailerId, e.LastRunStatus });
        b.HasIndex(e => new { e.RetailerId, e.Enabled });
        b.HasIndex(e => e.Name);
        b.HasIndex(e => e.NextRunAt);
        b.HasIndex(e => e.AgentId);
        b.HasIndex(e => e.SourceId);
        b.HasIndex(e => e.DestinationId);
    }
}

internal sealed class JobRunConfiguration : IEntityTypeConfiguration<JobRun>
{
    public void Configure(EntityTypeBuilder<JobRun> b)
    {
        b.HasKey(e => e.Id);
        b.Property(e => e.Error).HasMaxLength(Lengths.Message);
        b.HasOne<Retailer>().WithMany().HasForeignKey(e => e.RetailerId).OnDelete(DeleteBehavior.Restrict);
        b.HasOne(e => e.Job).WithMany().HasForeignKey(e => e.JobId).OnDelete(DeleteBehavior.Cascade);
        b.HasOne<Agent>().WithMany().HasForeignKey(e => e.AgentId).OnDelete(DeleteBehavior.Restrict);
        b.HasMany(e => e.StatusChanges).WithOne().HasForeignKey(e => e.JobRunId).OnDelete(DeleteBehavior.Cascade);
        b.HasIndex(e => new { e.RetailerId, e.QueuedAt });
        b.HasIndex(e => new { e.RetailerId, e.Status });
        b.HasIndex(e => new { e.JobId, e.QueuedAt });
        b.HasIndex(e => new { e.AgentId, e.Status });
    }
}

internal sealed class JobRunStatusChangeConfiguration : IEntityTypeConfiguration<JobRunStatusChange>
{
    public void Configure(EntityTypeBuilder<JobRunStatusChange> b)
    {
        b.HasKey(e => e.Id);
        b.Property(e => e.Reason).HasMaxLength(Lengths.Message);
        b.HasIndex(e => new { e.JobRunId, e.At });
        b.HasIndex(e => e.RetailerId);
    }
}

internal sealed class LogEntryConfiguration : IEntityTypeConfiguration<LogEntry>
{
    public void Configure(EntityTypeBuilder<LogEntry> b)
    {
        // Log lines are written in bulk and pruned by retention; run and agent ids are kept without
        // foreign keys so that neither a delete nor the write path pays for them.
        b.HasKey(e => e.Id);
        b.Property(e => e.Category).HasMaxLength(Lengths.Name);
        b.Property(e => e.Message).HasMaxLength(Lengths.Settings);
        b.HasIndex(e => new { e.RetailerId, e.Timestamp });
        b.HasIndex(e => new { e.JobRunId, e.Id });
        b.HasIndex(e => new { e.AgentId, e.Id });
        b.HasIndex(e => new { e.RetailerId, e.Level });
    }
}

internal sealed class AuditEventConfiguration : IEntityTypeConfiguration<AuditEvent>
{
    public void Configure(EntityTypeBuilder<AuditEvent> b)
    {
        b.HasKey(e => e.Id);
        b.Property(e => e.EntityType).HasMaxLength(64);
        b.Property(e => e.ActorName).HasMaxLength(Lengths.Name);
        b.Property(e => e.IpAddress).HasMaxLength(64);
        b.Property(e => e.UserAgent).HasMaxLength(512);
        b.HasIndex(e => new { e.RetailerId, e.At });
        b.HasIndex(e => new { e.EntityType, e.EntityId });
        b.HasIndex(e => e.ActorUserId);
        b.HasIndex(e => e.Type);
    }
}

internal sealed class NotificationRuleConfiguration : IEntityTypeConfiguration<NotificationRule>
{
    public void Configure(EntityTypeBuilder<NotificationRule> b)
    {
        b.ConfigureEditable();
        b.Property(e => e.Name).HasMaxLength(Lengths.Name);
        b.Property(e => e.Target).HasMaxLength(Lengths.Target);
        b.HasOne<Retailer>().WithMany().HasForeignKey(e => e.RetailerId).OnDelete(DeleteBehavior.Restrict);
        b.HasOne<Job>().WithMany().HasForeignKey(e => e.JobId).OnDelete(DeleteBehavior.Cascade);
        b.HasIndex(e => new { e.RetailerId, e.Name }).IsUnique();
        b.HasIndex(e => new { e.RetailerId, e.Event });
        b.HasIndex(e => e.JobId);
    }
}

internal sealed class PluginPackageConfiguration : IEntityTypeConfiguration<PluginPackage>
{
    public void Configure(EntityTypeBuilder<PluginPackage> b)
    {
        b.HasKey(e => e.Id);
        b.Property(e => e.Id).HasMaxLength(Lengths.PluginId);
        b.Property(e => e.DisplayName).HasMaxLength(Lengths.Name);
        b.Property(e => e.Description).HasMaxLength(Lengths.Message);
        b.HasMany(e => e.Versions).WithOne().HasForeignKey(e => e.PluginId).OnDelete(DeleteBehavior.Cascade);
        b.HasIndex(e => e.Kind);
        b.HasIndex(e => e.DisplayName);
    }
}

internal sealed class PluginVersionConfiguration : IEntityTypeConfiguration<PluginVersion>
{
    public void Configure(EntityTypeBuilder<PluginVersion> b)
    {
        b.HasKey(e => e.Id);
        b.Property(e => e.PluginId).HasMaxLength(Lengths.PluginId);
        b.Property(e => e.Version).HasMaxLength(Lengths.Version);
        b.Property(e => e.MinimumAgentVersion).HasMaxLength(Lengths.Version);
        b.Property(e => e.Sha256).HasMaxLength(64);
        b.HasIndex(e => new { e.PluginId, e.Version }).IsUnique();
    }
}

internal sealed class RefreshTokenConfiguration : IEntityTypeConfiguration<RefreshToken>
{
    public void Configure(EntityTypeBuilder<RefreshToken> b)
    {
        b.HasKey(e => e.Id);
        b.Property(e => e.TokenHash).HasMaxLength(128);
        b.HasOne<HubUser>().WithMany().HasForeignKey(e => e.UserId).OnDelete(DeleteBehavior.Cascade);
        b.HasIndex(e => e.TokenHash).IsUnique();
        b.HasIndex(e => e.UserId);
        b.HasIndex(e => e.FamilyId);
    }
}
