using GrocerySync.Contracts;
using GrocerySync.Hub.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace GrocerySync.Hub.Data.Configurations;

internal sealed class LogEntryConfiguration : IEntityTypeConfiguration<LogEntry>
{
    public const string TenantIndex = "IX_LogEntries_RetailerId_Id";
    public const string WarningsIndex = "IX_LogEntries_Warnings";

    public void Configure(EntityTypeBuilder<LogEntry> b)
    {
        // Log lines are written in bulk and pruned by retention; run and agent ids are kept without
        // foreign keys so that neither a delete nor the write path pays for them. LogWriter gives the ids.
        b.HasKey(e => e.Id);
        b.Property(e => e.Category).HasMaxLength(Lengths.Name);
        b.Property(e => e.Message).HasMaxLength(Lengths.Settings);

        // Every index is paid for by each of millions of lines written, so there is one per way the log is read that
        // the segments do not serve: keyset paging of a tenant's lines in id order. PostgreSQL folds it into the primary
        // key (PostgresHubDbContext). Runs, agents and time ranges are found through LogRunRange and LogSegment.
        b.HasIndex(e => new { e.RetailerId, e.Id }).HasDatabaseName(TenantIndex);

        // Warnings and errors are a small share of the lines: a partial index pages through them without reading
        // past the information lines, and costs nothing when an information line is written. The level filter names
        // its level as a constant (LogService) so that the planner can prove it implies this predicate.
        b.HasIndex(e => new { e.RetailerId, e.Id }, WarningsIndex).HasFilter($"\"Level\" >= {(int)LogSeverity.Warning}");
    }
}
