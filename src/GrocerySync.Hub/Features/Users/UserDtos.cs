using System.ComponentModel.DataAnnotations;
using GrocerySync.Hub.Data.Configurations;
using GrocerySync.Hub.Data.Entities;

namespace GrocerySync.Hub.Features.Users;

// Request and response types are public: the validation source generator only sees public types.

/// <summary>A hub user as the API shows it: no password hash, security stamp or other credential.</summary>
public sealed record UserDto(
    Guid Id,
    Guid? RetailerId,
    string Email,
    string DisplayName,
    HubRole Role,
    bool Disabled,
    DateTimeOffset? LockoutEnd,
    bool TwoFactorEnabled,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    long Version);

public sealed record CreateUserRequest
{
    /// <summary>The sign-in name; unique across the platform.</summary>
    [Required, EmailAddress, StringLength(UserFields.EmailLength)]
    public string Email { get; init; } = string.Empty;

    [Required, StringLength(Lengths.Name, MinimumLength = 1)]
    public string DisplayName { get; init; } = string.Empty;

    /// <summary>PlatformAdmin only by platform admins, and then without a retailer.</summary>
    [Required, EnumDataType(typeof(HubRole))]
    public HubRole? Role { get; init; }

    /// <summary>The first password; it must pass the hub's password policy (at least 12 characters, mixed).</summary>
    [Required, StringLength(UserFields.PasswordLength)]
    public string Password { get; init; } = string.Empty;

    /// <summary>The retailer; required for platform admins creating a retailer user, implied for retailer admins.</summary>
    public Guid? RetailerId { get; init; }
}

public sealed record UpdateUserRequest
{
    [Required, StringLength(Lengths.Name, MinimumLength = 1)]
    public string DisplayName { get; init; } = string.Empty;

    [Required, EnumDataType(typeof(HubRole))]
    public HubRole? Role { get; init; }

    /// <summary>A disabled user cannot sign in; their refresh tokens stop working at once.</summary>
    public bool Disabled { get; init; }

    /// <summary>The version last read; a different stored version answers 409.</summary>
    [Required]
    public long? Version { get; init; }
}

public sealed record UserListQuery
{
    public Guid? RetailerId { get; init; }

    [EnumDataType(typeof(HubRole))]
    public HubRole? Role { get; init; }

    public bool? Disabled { get; init; }
}

/// <summary>Limits of user fields that the model does not already name.</summary>
public static class UserFields
{
    /// <summary>Identity's column length for emails and user names.</summary>
    public const int EmailLength = 256;

    public const int PasswordLength = 256;
}
