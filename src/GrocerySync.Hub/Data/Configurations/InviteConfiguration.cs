using GrocerySync.Hub.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace GrocerySync.Hub.Data.Configurations;

internal sealed class InviteConfiguration : IEntityTypeConfiguration<Invite>
{
    public void Configure(EntityTypeBuilder<Invite> b)
    {
        b.HasKey(e => e.Id);
        b.Property(e => e.Email).HasMaxLength(256);
        b.Property(e => e.DisplayName).HasMaxLength(Lengths.Name);
        b.Property(e => e.TokenHash).HasMaxLength(128);
        b.HasOne<Retailer>().WithMany().HasForeignKey(e => e.RetailerId).OnDelete(DeleteBehavior.Cascade);
        b.HasIndex(e => e.TokenHash).IsUnique();
        b.HasIndex(e => new { e.RetailerId, e.CreatedAt });
        b.HasIndex(e => e.Email);
    }
}
