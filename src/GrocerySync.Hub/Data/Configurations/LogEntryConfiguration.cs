using GrocerySync.Hub.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace GrocerySync.Hub.Data.Configurations;

internal sealed class LogEntryConfiguration : IEntityTypeConfiguration<LogEntry>
{
    public void Configure(EntityTypeBuilder<LogEntry> b)
    {
        // Log lines are written in bulk and pruned by retention; run and agent ids are kept without
        // foreign keys so that neither a delete nor the write path pays for them.
        b.HasKey(e => e.Id);
        b.Property(e => e.Category).HasMaxLength(Lengths.Name);
        b.Property(e => e.Message).HasMaxLength(Lengths.Settings);
        // Keyset paging reads a tenant's lines in id order.
        b.HasIndex(e => new { e.RetailerId, e.Id });
        b.HasIndex(e => new { e.RetailerId, e.Timestamp });
        b.HasIndex(e => new { e.JobRunId, e.Id });
        b.HasIndex(e => new { e.AgentId, e.Id });
        b.HasIndex(e => new { e.RetailerId, e.Level });
    }
}
