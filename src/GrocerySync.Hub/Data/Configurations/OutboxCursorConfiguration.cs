using GrocerySync.Hub.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace GrocerySync.Hub.Data.Configurations;

internal sealed class OutboxCursorConfiguration : IEntityTypeConfiguration<OutboxCursor>
{
    public void Configure(EntityTypeBuilder<OutboxCursor> b)
    {
        b.HasKey(e => new { e.AgentId, e.OutboxId });
        b.HasOne<Agent>().WithMany().HasForeignKey(e => e.AgentId).OnDelete(DeleteBehavior.Cascade);
        b.HasIndex(e => e.RetailerId);
    }
}
