using GrocerySync.Hub.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace GrocerySync.Hub.Data.Configurations;

// Ordered by their last line id, a retailer's segments are in line order (they do not overlap). No foreign keys, as for
// the lines.
internal sealed class LogSegmentConfiguration : IEntityTypeConfiguration<LogSegment>
{
    public void Configure(EntityTypeBuilder<LogSegment> b)
    {
        // The key walks a retailer's segments (time filters, retention), the index an agent's.
        b.HasKey(e => new { e.RetailerId, e.LastLineId });
        b.Property(e => e.LastLineId).ValueGeneratedNever();
        b.HasIndex(e => new { e.AgentId, e.LastLineId });
    }
}
