using System.Text.Json.Nodes;
using GrocerySync.Hub.Api;
using GrocerySync.Hub.Data.Entities;
using GrocerySync.Hub.Features.Audit;
using GrocerySync.Hub.Security;
using Microsoft.AspNetCore.Identity;
using QRCoder;

namespace GrocerySync.Hub.Features.Auth;

/// <summary>
/// A user's own two-factor sign-in: enroll an authenticator app (QR code or manual key), turn it on with a first
/// code (recovery codes are shown once, then), regenerate recovery codes, turn it off where it is optional. Turning
/// it on or off changes the security stamp, which ends the user's other sessions. Used by the API and the pages.
/// </summary>
internal sealed class TwoFactorService(IUserStore<HubUser> userStore, UserManager<HubUser> users, SignInService signIn, TokenService tokens, SessionValidator sessions, AuditLog audit)
{
    public const string Issuer = "GrocerySync Hub";
    public const int RecoveryCodeCount = 10;

    public async Task<AccountDto> DescribeAsync(HubUser user, CancellationToken ct) => new(
        user.Id, user.Email ?? string.Empty, user.DisplayName, user.Role, user.RetailerId, user.TwoFactorEnabled,
        await signIn.IsTwoFactorRequiredAsync(user, ct), user.TwoFactorEnabled ? await users.CountRecoveryCodesAsync(user) : 0);

    /// <summary>A new authenticator key to scan or type in; it takes effect only when <see cref="EnableAsync"/> confirms a code from it.</summary>
    public async Task<Outcome<TwoFactorSetupDto>> SetupAsync(HubUser user)
    {
        if (user.TwoFactorEnabled)
        {
            return Outcome.Invalid("twoFactor", "Two-factor sign-in is on already. Turn it off first to enroll another authenticator.");
        }

        // Through the store, not ResetAuthenticatorKeyAsync: that also renews the security stamp, which would end the
        // enrollment session itself. Nothing is protected by the key until two-factor sign-in is turned on.
        var store = (IUserAuthenticatorKeyStore<HubUser>)userStore;
        await store.SetAuthenticatorKeyAsync(user, users.GenerateNewAuthenticatorKey(), CancellationToken.None);
        await users.UpdateAsync(user);
        var key = (await users.GetAuthenticatorKeyAsync(user))!;
        var uri = AuthenticatorUri(user.Email ?? user.Id.ToString(), key);
        return new TwoFactorSetupDto(FormatKey(key), uri, QrCodePng(uri));
    }

    /// <summary>Turns two-factor sign-in on once <paramref name="code"/> proves the authenticator works; answers the recovery codes, shown this once.</summary>
    public async Task<Outcome<RecoveryCodesDto>> EnableAsync(HubUser user, string code, CancellationToken ct)
    {
        if (user.TwoFactorEnabled)
        {
            return Outcome.Invalid("code", "Two-factor sign-in is on already.");
        }

        if (await users.GetAuthenticatorKeyAsync(user) is null)
        {
            return Outcome.Invalid("code", "Set up an authenticator first (POST /api/v1/account/two-factor/setup).");
        }

        if (!await VerifyCodeAsync(user, code))
        {
            return Outcome.Invalid("code", "The code is not valid. Check the time on your device and enter the current code.");
        }

        audit.Record(AuditEventType.UserTwoFactorEnabled, "User", user.Id, user.RetailerId, new JsonObject { ["RecoveryCodes"] = RecoveryCodeCount });
        await users.SetTwoFactorEnabledAsync(user, true);
        var codes = (await users.GenerateNewTwoFactorRecoveryCodesAsync(user, RecoveryCodeCount))!.ToList();
        await EndOtherSessionsAsync(user, ct);
        return new RecoveryCodesDto(codes);
    }

    /// <summary>Turns two-factor sign-in off, where it is not required; needs a current code.</summary>
    public async Task<Outcome<bool>> DisableAsync(HubUser user, string code, CancellationToken ct)
    {
        if (!user.TwoFactorEnabled)
        {
            return Outcome.Invalid("code", "Two-factor sign-in is off already.");
        }

        if (await signIn.IsTwoFactorRequiredAsync(user, ct))
        {
            return Outcome.Invalid("code", user.Role == HubRole.PlatformAdmin
                ? "Platform admins must use two-factor sign-in; it cannot be turned off."
                : "Your retailer requires two-factor sign-in; it cannot be turned off.");
        }

        if (!await VerifyCodeAsync(user, code))
        {
            return Outcome.Invalid("code", "The code is not valid.");
        }

        audit.Record(AuditEventType.UserTwoFactorDisabled, "User", user.Id, user.RetailerId);
        await ClearAsync(user);
        await EndOtherSessionsAsync(user, ct);
        return true;
    }

    /// <summary>New recovery codes (the old ones stop working); needs a current code.</summary>
    public async Task<Outcome<RecoveryCodesDto>> RegenerateRecoveryCodesAsync(HubUser user, string code)
    {
        if (!user.TwoFactorEnabled)
        {
            return Outcome.Invalid("code", "Turn on two-factor sign-in first.");
        }

        if (!await VerifyCodeAsync(user, code))
        {
            return Outcome.Invalid("code", "The code is not valid.");
        }

        audit.Record(AuditEventType.UserRecoveryCodesRegenerated, "User", user.Id, user.RetailerId, new JsonObject { ["RecoveryCodes"] = RecoveryCodeCount });
        var codes = (await users.GenerateNewTwoFactorRecoveryCodesAsync(user, RecoveryCodeCount))!.ToList();
        return new RecoveryCodesDto(codes);
    }

    /// <summary>An admin's reset for a user who lost their authenticator: off, key and recovery codes gone, sessions ended.</summary>
    public async Task ResetAsync(HubUser user, CancellationToken ct)
    {
        audit.Record(AuditEventType.UserTwoFactorReset, "User", user.Id, user.RetailerId, new JsonObject { ["WasEnabled"] = user.TwoFactorEnabled });
        await ClearAsync(user);
        await EndOtherSessionsAsync(user, ct);
    }

    private async Task ClearAsync(HubUser user)
    {
        await users.SetTwoFactorEnabledAsync(user, false);
        await users.RemoveAuthenticationTokenAsync(user, "[AspNetUserStore]", "AuthenticatorKey");
        await users.RemoveAuthenticationTokenAsync(user, "[AspNetUserStore]", "RecoveryCodes");
    }

    private async Task EndOtherSessionsAsync(HubUser user, CancellationToken ct)
    {
        await tokens.RevokeAllAsync(user.Id, ct);
        sessions.Forget(user.Id);
    }

    private Task<bool> VerifyCodeAsync(HubUser user, string code) =>
        users.VerifyTwoFactorTokenAsync(user, users.Options.Tokens.AuthenticatorTokenProvider, code.Replace(" ", string.Empty, StringComparison.Ordinal).Replace("-", string.Empty, StringComparison.Ordinal));

    /// <summary>The otpauth URI authenticator apps read (Key Uri Format): issuer, account, base32 secret, SHA-1, 6 digits, 30 s.</summary>
    public static string AuthenticatorUri(string account, string key) =>
        $"otpauth://totp/{Uri.EscapeDataString(Issuer)}:{Uri.EscapeDataString(account)}?secret={key}&issuer={Uri.EscapeDataString(Issuer)}&algorithm=SHA1&digits=6&period=30";

    /// <summary>The QR code of <paramref name="uri"/> as a PNG data URI, made on the server (no script, no third party).</summary>
    public static string QrCodePng(string uri)
    {
        using var generator = new QRCodeGenerator();
        using var data = generator.CreateQrCode(uri, QRCodeGenerator.ECCLevel.M);
        var png = new PngByteQRCode(data).GetGraphic(5);
        return "data:image/png;base64," + Convert.ToBase64String(png);
    }

    /// <summary>The key in groups of four, easier to type.</summary>
    private static string FormatKey(string key) =>
        string.Join(' ', key.ToLowerInvariant().Chunk(4).Select(c => new string(c)));
}
