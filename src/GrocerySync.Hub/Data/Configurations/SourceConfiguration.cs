using GrocerySync.Hub.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace GrocerySync.Hub.Data.Configurations;

internal sealed class SourceConfiguration : IEntityTypeConfiguration<Source>
{
    public void Configure(EntityTypeBuilder<Source> b)
    {
        b.ConfigureEditable();
        b.Property(e => e.SecretNames).HasMaxLength(Lengths.Message);
        b.Property(e => e.Name).HasMaxLength(Lengths.Name);
        b.Property(e => e.PluginId).HasMaxLength(Lengths.PluginId);
        b.Property(e => e.PluginVersion).HasMaxLength(Lengths.Version);
        b.HasOne<Retailer>().WithMany().HasForeignKey(e => e.RetailerId).OnDelete(DeleteBehavior.Restrict);
        b.HasOne(e => e.Agent).WithMany().HasForeignKey(e => e.AgentId).OnDelete(DeleteBehavior.Restrict);
        b.HasIndex(e => new { e.RetailerId, e.Name }).IsUnique();
        b.HasIndex(e => new { e.RetailerId, e.PluginId });
        b.HasIndex(e => new { e.RetailerId, e.CreatedAt });
        b.HasIndex(e => e.AgentId);
    }
}
