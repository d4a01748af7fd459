namespace GrocerySync.Hub.Data.Entities;

/// <summary>
/// An invitation to become a hub user: a single-use, expiring link whose token is stored only as a hash. The
/// first platform admin of a new hub comes from a setup invitation (<see cref="IsSetup"/>), which names no email.
/// </summary>
internal sealed class Invite
{
    public Guid Id { get; set; } = Guid.CreateVersion7();

    /// <summary>The retailer the new user joins; null for platform admins.</summary>
    public Guid? RetailerId { get; set; }

    /// <summary>Who is invited; null for a setup invitation (the first admin chooses it).</summary>
    public string? Email { get; set; }

    public string? DisplayName { get; set; }

    public HubRole Role { get; set; }

    public required string TokenHash { get; set; }

    public bool IsSetup { get; set; }

    public Guid? InvitedByUserId { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset ExpiresAt { get; set; }

    public DateTimeOffset? AcceptedAt { get; set; }

    public Guid? AcceptedUserId { get; set; }

    public DateTimeOffset? RevokedAt { get; set; }
}
