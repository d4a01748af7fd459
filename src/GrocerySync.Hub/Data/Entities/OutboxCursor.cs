namespace GrocerySync.Hub.Data.Entities;

/// <summary>
/// The highest sequence the hub has applied from one agent outbox (events or logs). It is written in the same
/// transaction as the items it covers, so a resent batch is applied once (exactly-once by sequence).
/// </summary>
internal sealed class OutboxCursor : ITenantOwned
{
    public Guid AgentId { get; set; }

    public Guid OutboxId { get; set; }

    public Guid RetailerId { get; set; }

    public long HighestSequence { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }
}
