using GrocerySync.Hub.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace GrocerySync.Hub.Data.Configurations;

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
        b.Property(e => e.EnrollmentTokenHash).HasMaxLength(64);
        b.Property(e => e.Plugins).HasMaxLength(Lengths.Settings);
        b.HasOne<Retailer>().WithMany().HasForeignKey(e => e.RetailerId).OnDelete(DeleteBehavior.Restrict);
        b.HasIndex(e => new { e.RetailerId, e.Name }).IsUnique();
        b.HasIndex(e => new { e.RetailerId, e.Status });
        b.HasIndex(e => new { e.RetailerId, e.CreatedAt });
        b.HasIndex(e => e.ApiKeyPrefix).IsUnique();
        b.HasIndex(e => e.EnrollmentTokenHash).IsUnique();

        // No index holds LastHeartbeatAt: every agent's row is rewritten at each heartbeat flush, and an indexed column
        // would make each rewrite insert into every index of the table (PostgreSQL can only update in place, "HOT",
        // when no indexed column changes). The heartbeat monitor scans the table instead, once per MonitorInterval.
    }
}
