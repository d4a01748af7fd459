using GrocerySync.Hub.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace GrocerySync.Hub.Data.Configurations;

internal sealed class NotificationRuleConfiguration : IEntityTypeConfiguration<NotificationRule>
{
    public void Configure(EntityTypeBuilder<NotificationRule> b)
    {
        b.ConfigureEditable();
        b.Property(e => e.Name).HasMaxLength(Lengths.Name);
        b.Property(e => e.Target).HasMaxLength(Lengths.Target);
        b.HasOne<Retailer>().WithMany().HasForeignKey(e => e.RetailerId).OnDelete(DeleteBehavior.Restrict);
        b.HasOne<Job>().WithMany().HasForeignKey(e => e.JobId).OnDelete(DeleteBehavior.Cascade);
        b.HasIndex(e => new { e.RetailerId, e.Name }).IsUnique();
        b.HasIndex(e => new { e.RetailerId, e.Event });
        b.HasIndex(e => e.JobId);
    }
}
