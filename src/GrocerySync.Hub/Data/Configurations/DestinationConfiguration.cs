using GrocerySync.Hub.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace GrocerySync.Hub.Data.Configurations;

internal sealed class DestinationConfiguration : IEntityTypeConfiguration<Destination>
{
    public void Configure(EntityTypeBuilder<Destination> b)
    {
        b.ConfigureEditable();
        b.Property(e => e.SecretNames).HasMaxLength(Lengths.Message);
        b.Property(e => e.Name).HasMaxLength(Lengths.Name);
        b.Property(e => e.PluginId).HasMaxLength(Lengths.PluginId);
        b.Property(e => e.PluginVersion).HasMaxLength(Lengths.Version);
        b.Property(e => e.LastTestMessage).HasMaxLength(Lengths.Message);
        b.HasOne<Retailer>().WithMany().HasForeignKey(e => e.RetailerId).OnDelete(DeleteBehavior.Restrict);
        b.HasIndex(e => new { e.RetailerId, e.Name }).IsUnique();
        b.HasIndex(e => new { e.RetailerId, e.PluginId });
        b.HasIndex(e => new { e.RetailerId, e.ConnectionStatus });
        b.HasIndex(e => new { e.RetailerId, e.CreatedAt });
    }
}
