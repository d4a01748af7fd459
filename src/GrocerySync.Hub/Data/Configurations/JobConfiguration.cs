using GrocerySync.Hub.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace GrocerySync.Hub.Data.Configurations;

internal sealed class JobConfiguration : IEntityTypeConfiguration<Job>
{
    public void Configure(EntityTypeBuilder<Job> b)
    {
        b.ConfigureEditable();
        b.Property(e => e.Name).HasMaxLength(Lengths.Name);
        b.Property(e => e.AdapterPluginId).HasMaxLength(Lengths.PluginId);
        b.Property(e => e.AdapterPluginVersion).HasMaxLength(Lengths.Version);
        b.Property(e => e.CronExpression).HasMaxLength(Lengths.Cron);
        b.Property(e => e.TimeZone).HasMaxLength(Lengths.TimeZone);
        b.Property(e => e.PausedReason).HasMaxLength(Lengths.Message);
        b.Property(e => e.LastSkipReason).HasMaxLength(Lengths.Message);
        b.Ignore(e => e.IsScheduled);
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
