using GrocerySync.Hub.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace GrocerySync.Hub.Data.Configurations;

internal sealed class RefreshTokenConfiguration : IEntityTypeConfiguration<RefreshToken>
{
    public void Configure(EntityTypeBuilder<RefreshToken> b)
    {
        b.HasKey(e => e.Id);
        b.Property(e => e.TokenHash).HasMaxLength(128);
        b.Property(e => e.SecurityStamp).HasMaxLength(256);
        b.HasOne<HubUser>().WithMany().HasForeignKey(e => e.UserId).OnDelete(DeleteBehavior.Cascade);
        b.HasIndex(e => e.TokenHash).IsUnique();
        b.HasIndex(e => e.UserId);
        b.HasIndex(e => e.FamilyId);
    }
}
