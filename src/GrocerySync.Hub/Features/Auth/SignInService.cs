using System.Text.Json.Nodes;
using GrocerySync.Hub.Data;
using GrocerySync.Hub.Data.Entities;
using GrocerySync.Hub.Features.Audit;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace GrocerySync.Hub.Features.Auth;

internal enum SignInStatus
{
    /// <summary>Every factor checked out: start a session.</summary>
    Succeeded,

    /// <summary>Unknown user, wrong password, locked out or disabled: all answer alike.</summary>
    Failed,

    /// <summary>The password is right and the account uses two-factor sign-in: ask for the code.</summary>
    TwoFactorRequired,

    /// <summary>The password is right and a code was sent, but it is wrong (it counts as a failed attempt).</summary>
    TwoFactorFailed,

    /// <summary>The password is right, but the account must use two-factor sign-in and has not set it up: enrollment only.</summary>
    TwoFactorSetupRequired,
}

/// <summary>What a sign-in attempt came to, with the user once the password was right.</summary>
internal sealed record SignInAttempt(SignInStatus Status, HubUser? User);

/// <summary>
/// The sign-in rules, shared by the token endpoint and the browser sign-in pages: the same answer for an unknown
/// user, a wrong password, a locked-out and a disabled account; lockout after 5 failures (a wrong second factor
/// counts) for 15 minutes; TOTP or a recovery code as second factor; two-factor required for platform admins and
/// for the users of retailers whose policy says so. Every attempt is audited.
/// </summary>
internal sealed class SignInService(HubDbContext db, UserManager<HubUser> users, IPasswordHasher<HubUser> hasher, AuditLog audit)
{
    // Checked when the email is unknown, so that the answer takes as long as for a wrong password.
    private static readonly Lazy<string> DummyHash = new(() => new PasswordHasher<HubUser>().HashPassword(null!, "not-a-real-password-" + Guid.NewGuid()));

    /// <summary>Checks the password and, when the account uses two-factor sign-in, the code or recovery code if one is given.</summary>
    /// <param name="email">The sign-in name.</param>
    /// <param name="password">The password.</param>
    /// <param name="code">A TOTP code, or null.</param>
    /// <param name="recoveryCode">A recovery code, or null.</param>
    /// <param name="client">"api" or "browser", for the audit entry.</param>
    /// <param name="ct">Cancellation.</param>
    public async Task<SignInAttempt> PasswordSignInAsync(string email, string password, string? code, string? recoveryCode, string client, CancellationToken ct)
    {
        var normalized = users.NormalizeEmail(email.Trim());
        var user = await db.Users.IgnoreQueryFilters().SingleOrDefaultAsync(u => u.NormalizedEmail == normalized, ct);
        if (user is null)
        {
            hasher.VerifyHashedPassword(null!, DummyHash.Value, password);
            audit.Record(AuditEventType.UserSignInFailed, "User", null, null, new JsonObject { ["Email"] = Shorten(email.Trim()), ["Reason"] = "unknown email", ["Client"] = client }, new AuditActor(null, null));
            await db.SaveChangesAsync(ct);
            return new(SignInStatus.Failed, null);
        }

        if (user.Disabled || await users.IsLockedOutAsync(user))
        {
            hasher.VerifyHashedPassword(user, DummyHash.Value, password);
            await FailedAsync(user, user.Disabled ? "disabled" : "locked out", client, countsAsAttempt: false, ct);
            return new(SignInStatus.Failed, null);
        }

        if (!await users.CheckPasswordAsync(user, password))
        {
            await FailedAsync(user, "wrong password", client, countsAsAttempt: true, ct);
            return new(SignInStatus.Failed, null);
        }

        if (!user.TwoFactorEnabled)
        {
            await users.ResetAccessFailedCountAsync(user);
            if (await IsTwoFactorRequiredAsync(user, ct))
            {
                return new(SignInStatus.TwoFactorSetupRequired, user);
            }

            await SucceededAsync(user, "password", client, ct);
            return new(SignInStatus.Succeeded, user);
        }

        // The failure count is reset only after the second factor, so the password alone cannot try codes forever.
        return string.IsNullOrWhiteSpace(code) && string.IsNullOrWhiteSpace(recoveryCode)
            ? new(SignInStatus.TwoFactorRequired, user)
            : await SecondFactorAsync(user, code, recoveryCode, client, ct);
    }

    /// <summary>The second step of a browser sign-in: the password was checked on the previous page.</summary>
    public async Task<SignInAttempt> SecondFactorAsync(HubUser user, string? code, string? recoveryCode, string client, CancellationToken ct)
    {
        if (user.Disabled || await users.IsLockedOutAsync(user))
        {
            await FailedAsync(user, user.Disabled ? "disabled" : "locked out", client, countsAsAttempt: false, ct);
            return new(SignInStatus.Failed, null);
        }

        if (!string.IsNullOrWhiteSpace(recoveryCode))
        {
            if (!(await users.RedeemTwoFactorRecoveryCodeAsync(user, recoveryCode.Trim())).Succeeded)
            {
                await FailedAsync(user, "wrong recovery code", client, countsAsAttempt: true, ct);
                return new(SignInStatus.TwoFactorFailed, user);
            }

            audit.Record(AuditEventType.UserRecoveryCodeUsed, "User", user.Id, user.RetailerId,
                new JsonObject { ["RecoveryCodesLeft"] = await users.CountRecoveryCodesAsync(user) }, Actor(user));
            await users.ResetAccessFailedCountAsync(user);
            await SucceededAsync(user, "password and recovery code", client, ct);
            return new(SignInStatus.Succeeded, user);
        }

        var digits = (code ?? string.Empty).Replace(" ", string.Empty, StringComparison.Ordinal).Replace("-", string.Empty, StringComparison.Ordinal);
        if (!await users.VerifyTwoFactorTokenAsync(user, users.Options.Tokens.AuthenticatorTokenProvider, digits))
        {
            await FailedAsync(user, "wrong two-factor code", client, countsAsAttempt: true, ct);
            return new(SignInStatus.TwoFactorFailed, user);
        }

        await users.ResetAccessFailedCountAsync(user);
        await SucceededAsync(user, "password and authenticator code", client, ct);
        return new(SignInStatus.Succeeded, user);
    }

    /// <summary>Platform admins always; other users when their retailer's policy requires two-factor sign-in.</summary>
    public async Task<bool> IsTwoFactorRequiredAsync(HubUser user, CancellationToken ct) =>
        user.Role == HubRole.PlatformAdmin
        || (user.RetailerId is { } retailerId && await db.Retailers.AsNoTracking().AnyAsync(r => r.Id == retailerId && r.RequireTwoFactor, ct));

    public async Task<HubUser?> FindAsync(Guid userId, CancellationToken ct) =>
        await db.Users.IgnoreQueryFilters().SingleOrDefaultAsync(u => u.Id == userId, ct);

    private async Task FailedAsync(HubUser user, string reason, string client, bool countsAsAttempt, CancellationToken ct)
    {
        audit.Record(AuditEventType.UserSignInFailed, "User", user.Id, user.RetailerId, new JsonObject { ["Reason"] = reason, ["Client"] = client }, Actor(user));
        if (countsAsAttempt)
        {
            // Saves the entry with the new count, and the lockout (and its own entry) on the fifth failure.
            await users.AccessFailedAsync(user);
        }
        else
        {
            await db.SaveChangesAsync(ct);
        }
    }

    private async Task SucceededAsync(HubUser user, string method, string client, CancellationToken ct)
    {
        audit.Record(AuditEventType.UserSignedIn, "User", user.Id, user.RetailerId, new JsonObject { ["Method"] = method, ["Client"] = client }, Actor(user));
        await db.SaveChangesAsync(ct);
    }

    private static AuditActor Actor(HubUser user) => new(user.Id, user.DisplayName);

    private static string Shorten(string value) => value.Length <= 256 ? value : value[..256];
}
