using GrocerySync.Hub.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace GrocerySync.Hub.Data.Configurations;

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
