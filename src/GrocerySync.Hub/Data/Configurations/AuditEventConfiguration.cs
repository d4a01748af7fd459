using GrocerySync.Hub.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace GrocerySync.Hub.Data.Configurations;

internal sealed class AuditEventConfiguration : IEntityTypeConfiguration<AuditEvent>
{
    public void Configure(EntityTypeBuilder<AuditEvent> b)
    {
        b.HasKey(e => e.Id);
        b.Property(e => e.EntityType).HasMaxLength(64);
        b.Property(e => e.ActorName).HasMaxLength(Lengths.Name);
        b.Property(e => e.IpAddress).HasMaxLength(64);
        b.Property(e => e.UserAgent).HasMaxLength(512);
        b.Property(e => e.PreviousHash).HasMaxLength(64);
        b.Property(e => e.Hash).HasMaxLength(64);
        // Verification walks one chain in order. (Unique for retailer chains; the platform chain, whose
        // RetailerId is null, relies on the chain head's concurrency token alone.)
        b.HasIndex(e => new { e.RetailerId, e.Sequence }).IsUnique();
        b.HasIndex(e => new { e.RetailerId, e.At });
        // Platform admins read the whole trail newest first.
        b.HasIndex(e => e.At);
        b.HasIndex(e => new { e.EntityType, e.EntityId });
        b.HasIndex(e => e.ActorUserId);
        b.HasIndex(e => e.Type);
    }
}
