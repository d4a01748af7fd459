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

        // At most one active (Queued, Dispatched, Running) run per job, whichever hub replica queues it: the database
        // refuses a second one, so two replicas racing for one job cannot both win (RunQueue answers the loser).
        b.HasIndex(e => e.JobId, ActiveRunPerJobIndex).IsUnique().HasFilter(ActiveRunFilter);

        // The lease sweeper and the cancel-request poll read active runs across retailers.
        b.HasIndex(e => new { e.Status, e.LeaseExpiresAt });
    }

    /// <summary>The name of the unique index that admits one active run per job.</summary>
    public const string ActiveRunPerJobIndex = "IX_JobRuns_JobId_Active";

    // Status < Succeeded: the enum is stored as its number; both providers read this filter the same way.
    private const string ActiveRunFilter = "\"Status\" < 3";
}
