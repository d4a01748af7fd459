using GrocerySync.Hub.Data.Entities;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace GrocerySync.Hub.Data.Configurations;

internal static class EditableEntityConfiguration
{
    public static void ConfigureEditable<T>(this EntityTypeBuilder<T> b)
        where T : EditableEntity
    {
        b.HasKey(e => e.Id);
        b.Property(e => e.Version).IsConcurrencyToken();
    }
}
