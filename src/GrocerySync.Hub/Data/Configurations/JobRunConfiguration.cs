using GrocerySync.Hub.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace GrocerySync.Hub.Data.Configurations;

internal sealed class JobRunConfiguration : IEntityTypeConfiguration<JobRun>
{
    public void Configure(EntityTypeBuilder<JobRun> b)
    {
        b.HasKey(e => e.Id);
        b.Property(e => e.Error).HasMaxLength(Lengths.Message);
        b.HasOne<Retailer>().WithMany().HasForeignKey(e => e.RetailerId).OnDelete(DeleteBehavior.Restrict);
        b.HasOne(e => e.Job).WithMany().HasForeignKey(e => e.JobId).OnDelete(DeleteBehavior.Cascade);
        b.HasOne<Agent>().WithMany().HasForeignKey(e => e.AgentId).OnDelete(DeleteBehavior.Restrict);
        b.HasMany(e => e.StatusChanges).WithOne().HasForeignKey(e => e.JobRunId).OnDelete(DeleteBehavior.Cascade);
        b.HasIndex(e => new { e.RetailerId, e.QueuedAt });
        b.HasIndex(e => new { e.RetailerId, e.Status });
        b.HasIndex(e => new { e.RetailerId, e.FinishedAt });
        b.HasIndex(e => new { e.RetailerId, e.Trigger });
        b.HasIndex(e => new { e.AgentId, e.QueuedAt });
        b.HasIndex(e => new { e.JobId, e.QueuedAt });
        b.HasIndex(e => new { e.AgentId, e.Status });
        // The lease sweeper and the cancel-request poll read active runs across retailers.
        b.HasIndex(e => new { e.Status, e.LeaseExpiresAt });
    }
}
