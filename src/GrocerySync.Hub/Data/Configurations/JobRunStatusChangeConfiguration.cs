using GrocerySync.Hub.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace GrocerySync.Hub.Data.Configurations;

internal sealed class JobRunStatusChangeConfiguration : IEntityTypeConfiguration<JobRunStatusChange>
{
    public void Configure(EntityTypeBuilder<JobRunStatusChange> b)
    {
        b.HasKey(e => e.Id);
        b.Property(e => e.Reason).HasMaxLength(Lengths.Message);
        b.HasIndex(e => new { e.JobRunId, e.At });
        b.HasIndex(e => e.RetailerId);
    }
}
