using System.ComponentModel.DataAnnotations;
using GrocerySync.Hub.Data.Entities;

namespace GrocerySync.Hub.Features.Auth;

// Request and response types are public: the validation source generator only sees public types.

public sealed record TokenRequest
{
    [Required, StringLength(256)]
    public string Email { get; init; } = string.Empty;

    [Required, StringLength(256)]
    public string Password { get; init; } = string.Empty;

    /// <summary>The current code of the authenticator app, for accounts with two-factor sign-in.</summary>
    [StringLength(16)]
    public string? TwoFactorCode { get; init; }

    /// <summary>A recovery code instead of <see cref="TwoFactorCode"/>; each works once.</summary>
    [StringLength(32)]
    public string? RecoveryCode { get; init; }
}

public sealed record RefreshRequest([property: Required, StringLength(128)] string RefreshToken);

/// <summary>The caller's own account.</summary>
public sealed record AccountDto(
    Guid Id,
    string Email,
    string DisplayName,
    HubRole Role,
    Guid? RetailerId,
    bool TwoFactorEnabled,
    bool TwoFactorRequired,
    int RecoveryCodesLeft);

/// <summary>
/// An authenticator to add: scan <see cref="QrCodePng"/> (a PNG data URI of <see cref="AuthenticatorUri"/>) or type
/// <see cref="SharedKey"/>; then confirm a code with <c>POST /api/v1/account/two-factor/enable</c>.
/// </summary>
public sealed record TwoFactorSetupDto(string SharedKey, string AuthenticatorUri, string QrCodePng);

/// <summary>Recovery codes, shown once: each signs in once in place of an authenticator code.</summary>
public sealed record RecoveryCodesDto(IReadOnlyList<string> RecoveryCodes);

public sealed record TwoFactorCodeRequest
{
    /// <summary>The current 6-digit code of the authenticator app.</summary>
    [Required, StringLength(16, MinimumLength = 6)]
    public string Code { get; init; } = string.Empty;
}
