using GrocerySync.Hub.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace GrocerySync.Hub.Data.Configurations;

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
