using GrocerySync.Hub.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace GrocerySync.Hub.Data.Configurations;

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
