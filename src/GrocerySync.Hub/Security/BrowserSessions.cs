using System.Security.Claims;
using System.Security.Cryptography;
using GrocerySync.Hub.Data.Entities;
using GrocerySync.Hub.Tenancy;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;

namespace GrocerySync.Hub.Security;

/// <summary>The browser's session cookie and the short-lived cookie between a sign-in's password and second factor.</summary>
internal sealed class BrowserSessions(IUserClaimsPrincipalFactory<HubUser> claims)
{
    /// <summary>A full session, after every factor checked out.</summary>
    public async Task SignInAsync(HttpContext http, HubUser user)
    {
        await http.SignOutAsync(IdentityConstants.TwoFactorUserIdScheme);
        await http.SignInAsync(IdentityConstants.ApplicationScheme, await claims.CreateAsync(user));
    }

    /// <summary>A session that may only enroll two-factor sign-in.</summary>
    public static Task SignInForEnrollmentAsync(HttpContext http, HubUser user) =>
        http.SignInAsync(IdentityConstants.ApplicationScheme, HubClaimsPrincipalFactory.Enrollment(user, IdentityConstants.ApplicationScheme));

    /// <summary>Remembers, for five minutes, whose password was right, until the second factor comes.</summary>
    public static Task StartTwoFactorAsync(HttpContext http, HubUser user) =>
        http.SignInAsync(IdentityConstants.TwoFactorUserIdScheme, new ClaimsPrincipal(new ClaimsIdentity(
            [new Claim(HubClaims.UserId, user.Id.ToString()), new Claim(HubClaims.SecurityStamp, user.SecurityStamp ?? string.Empty)],
            IdentityConstants.TwoFactorUserIdScheme)));

    /// <summary>The user whose password was right in this browser a moment ago, with the stamp they had then.</summary>
    public static async Task<(Guid UserId, string Stamp)?> PendingTwoFactorAsync(HttpContext http)
    {
        var result = await http.AuthenticateAsync(IdentityConstants.TwoFactorUserIdScheme);
        return result.Succeeded && Guid.TryParse(result.Principal.FindFirstValue(HubClaims.UserId), out var id)
            ? (id, result.Principal.FindFirstValue(HubClaims.SecurityStamp) ?? string.Empty)
            : null;
    }

    public static async Task SignOutAsync(HttpContext http)
    {
        await http.SignOutAsync(IdentityConstants.TwoFactorUserIdScheme);
        await http.SignOutAsync(IdentityConstants.ApplicationScheme);
    }

    /// <summary>Only a path on this site: never an absolute or protocol-relative address (an open redirect).</summary>
    public static string SafeReturnUrl(string? returnUrl) =>
        returnUrl is { Length: > 0 } url && url[0] == '/' && (url.Length == 1 || (url[1] != '/' && url[1] != '\\')) ? url : "/";
}

/// <summary>A random value per response for the content security policy: only scripts carrying it run.</summary>
internal sealed class CspNonce
{
    public string Value { get; } = System.Buffers.Text.Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(18));
}
