using GrocerySync.Hub.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace GrocerySync.Hub.Data.Configurations;

// Ordered by their last line id, a run's ranges are in line order (they do not overlap). No foreign keys, as for the lines.
internal sealed class LogRunRangeConfiguration : IEntityTypeConfiguration<LogRunRange>
{
    public void Configure(EntityTypeBuilder<LogRunRange> b)
    {
        // The key walks a run's ranges, the index finds those of the segments retention deletes.
        b.HasKey(e => new { e.JobRunId, e.LastLineId });
        b.Property(e => e.LastLineId).ValueGeneratedNever();
        b.HasIndex(e => new { e.RetailerId, e.SegmentLastLineId });
    }
}
