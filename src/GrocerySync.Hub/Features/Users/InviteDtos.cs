using System.ComponentModel.DataAnnotations;
using GrocerySync.Hub.Data.Configurations;
using GrocerySync.Hub.Data.Entities;

namespace GrocerySync.Hub.Features.Users;

// Request and response types are public: the validation source generator only sees public types.

/// <summary>A pending, accepted, revoked or expired invitation; never its token.</summary>
public sealed record InviteDto(
    Guid Id,
    Guid? RetailerId,
    string? Email,
    string? DisplayName,
    HubRole Role,
    Guid? InvitedByUserId,
    DateTimeOffset CreatedAt,
    DateTimeOffset ExpiresAt,
    DateTimeOffset? AcceptedAt,
    Guid? AcceptedUserId,
    DateTimeOffset? RevokedAt);

/// <summary>
/// A new invitation. The link went out by email when <see cref="EmailSent"/>; otherwise (no SMTP server configured,
/// or it failed) <see cref="Link"/> holds it, for the inviting admin to pass on. It works once, until it expires.
/// </summary>
public sealed record InviteCreatedDto(InviteDto Invite, bool EmailSent, string? Link);

public sealed record CreateInviteRequest
{
    [Required, EmailAddress, StringLength(UserFields.EmailLength)]
    public string Email { get; init; } = string.Empty;

    [StringLength(Lengths.Name, MinimumLength = 1)]
    public string? DisplayName { get; init; }

    /// <summary>PlatformAdmin only by platform admins, and then without a retailer.</summary>
    [Required, EnumDataType(typeof(HubRole))]
    public HubRole? Role { get; init; }

    /// <summary>The retailer; required for platform admins inviting a retailer user, implied for retailer admins.</summary>
    public Guid? RetailerId { get; init; }
}

public sealed record InviteListQuery
{
    public Guid? RetailerId { get; init; }

    /// <summary>Only invitations that can still be accepted.</summary>
    public bool? Pending { get; init; }
}

public sealed record AcceptInviteRequest
{
    /// <summary>The token from the invitation link.</summary>
    [Required, StringLength(128)]
    public string Token { get; init; } = string.Empty;

    /// <summary>The new account's password; it must pass the password policy.</summary>
    [Required, StringLength(UserFields.PasswordLength)]
    public string Password { get; init; } = string.Empty;

    /// <summary>Only for the first-admin setup link, which names no email.</summary>
    [EmailAddress, StringLength(UserFields.EmailLength)]
    public string? Email { get; init; }

    /// <summary>The name shown in the hub; defaults to the invitation's, or the email.</summary>
    [StringLength(Lengths.Name, MinimumLength = 1)]
    public string? DisplayName { get; init; }
}

/// <summary>The account an accepted invitation created; sign in with its email and the new password.</summary>
public sealed record AcceptedInviteDto(Guid UserId, string Email, HubRole Role, Guid? RetailerId);

/// <summary>What an invitation link offers, for the accept page.</summary>
public sealed record InvitePreview(string? Email, string? DisplayName, HubRole Role, bool IsSetup);

public sealed record TwoFactorPolicyDto(Guid RetailerId, bool RequireTwoFactor);

public sealed record UpdateTwoFactorPolicyRequest
{
    /// <summary>Whether every user of the retailer must sign in with a second factor.</summary>
    [Required]
    public bool? RequireTwoFactor { get; init; }
}
