namespace GrocerySync.Hub.Data.Entities;

/// <summary>A row owned by one retailer; the tenant query filter applies to every such entity.</summary>
internal interface ITenantOwned
{
    Guid RetailerId { get; set; }
}

/// <summary>Where a retailer's log lines sit: a range of line ids (LogSegment, LogRunRange).</summary>
internal interface ILogLineRange : ITenantOwned
{
    long FirstLineId { get; }

    long LastLineId { get; }
}

/// <summary>An entity users edit: it carries timestamps and an optimistic-concurrency version.</summary>
internal abstract class EditableEntity
{
    public Guid Id { get; set; } = Guid.CreateVersion7();

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>Incremented on every save; a stale version on update answers 409.</summary>
    public long Version { get; set; }
}
