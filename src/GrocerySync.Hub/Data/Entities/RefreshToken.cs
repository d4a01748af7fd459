namespace GrocerySync.Hub.Data.Entities;

/// <summary>A refresh token, stored only as its hash. Rotated on every use; reuse of a used token revokes its family.</summary>
internal sealed class RefreshToken
{
    public Guid Id { get; set; } = Guid.CreateVersion7();

    public Guid UserId { get; set; }

    /// <summary>All tokens descended from one sign-in share a family.</summary>
    public Guid FamilyId { get; set; }

    public required string TokenHash { get; set; }

    /// <summary>The user's security stamp when the family began: a new stamp (sign-out everywhere, disabling, a two-factor change) ends the family.</summary>
    public required string SecurityStamp { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset ExpiresAt { get; set; }

    public DateTimeOffset? UsedAt { get; set; }

    public DateTimeOffset? RevokedAt { get; set; }
}
