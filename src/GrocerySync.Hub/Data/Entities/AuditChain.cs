namespace GrocerySync.Hub.Data.Entities;

/// <summary>
/// The head of one audit hash chain: a retailer's, or the platform's (<see cref="PlatformId"/>). Every save that
/// appends entries moves it forward in the same transaction; its <see cref="Version"/> is a concurrency token, so
/// two writers of one chain can never both append after the same entry (the loser retries on the new head).
/// </summary>
internal sealed class AuditChain
{
    /// <summary>The chain id of platform-level entries (those without a retailer).</summary>
    public static readonly Guid PlatformId = Guid.Empty;

    /// <summary>The retailer's id, or <see cref="PlatformId"/>.</summary>
    public Guid Id { get; set; }

    public long LastSequence { get; set; }

    public required string LastHash { get; set; }

    /// <summary>The last entry removed by retention (0: none); the chain now starts after it.</summary>
    public long AnchorSequence { get; set; }

    /// <summary>The hash of entry <see cref="AnchorSequence"/>, or the genesis hash when nothing was removed.</summary>
    public required string AnchorHash { get; set; }

    public long Version { get; set; }

    public static Guid IdFor(Guid? retailerId) => retailerId ?? PlatformId;
}
