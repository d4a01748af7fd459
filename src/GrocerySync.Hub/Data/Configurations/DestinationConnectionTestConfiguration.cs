using GrocerySync.Hub.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace GrocerySync.Hub.Data.Configurations;

internal sealed class DestinationConnectionTestConfiguration : IEntityTypeConfiguration<DestinationConnectionTest>
{
    public void Configure(EntityTypeBuilder<DestinationConnectionTest> b)
    {
        b.HasKey(e => e.Id);
        b.Property(e => e.RequestedByName).HasMaxLength(Lengths.Name);
        b.Property(e => e.Message).HasMaxLength(Lengths.Message);
        b.HasOne<Retailer>().WithMany().HasForeignKey(e => e.RetailerId).OnDelete(DeleteBehavior.Restrict);

        // Tests are disposable: they go with their destination or agent.
        b.HasOne<Destination>().WithMany().HasForeignKey(e => e.DestinationId).OnDelete(DeleteBehavior.Cascade);
        b.HasOne<Agent>().WithMany().HasForeignKey(e => e.AgentId).OnDelete(DeleteBehavior.Cascade);
        b.HasIndex(e => new { e.RetailerId, e.RequestedAt });
        b.HasIndex(e => new { e.DestinationId, e.RequestedAt });

        // The work poll reads an agent's pending tests; the queued-run watcher and the lease sweeper read pending and
        // dispatched tests across retailers.
        b.HasIndex(e => new { e.AgentId, e.Status });
        b.HasIndex(e => new { e.Status, e.ExpiresAt });
    }
}
