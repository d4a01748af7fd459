using GrocerySync.Hub.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace GrocerySync.Hub.Data.Configurations;

// One configuration per entity. Indexes cover every foreign key and every column a list filters or
// orders by; tenant-owned lists always filter by RetailerId first, so their indexes lead with it.

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
