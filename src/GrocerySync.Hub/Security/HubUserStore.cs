using System.Security.Cryptography;
using System.Text;
using GrocerySync.Hub.Data;
using GrocerySync.Hub.Data.Entities;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;

namespace GrocerySync.Hub.Security;

/// <summary>
/// Identity's user store with two credentials kept safer than the default: the TOTP authenticator key is
/// encrypted with the Data Protection API (a database copy alone cannot mint codes), and recovery codes are kept
/// only as SHA-256 hashes (they are shown once, when generated).
/// </summary>
internal sealed class HubUserStore(HubDbContext context, IDataProtectionProvider dataProtection, IdentityErrorDescriber? describer = null)
    : UserOnlyStore<HubUser, HubDbContext, Guid>(context, describer)
{
    private readonly IDataProtector _keys = dataProtection.CreateProtector("GrocerySync.Hub.AuthenticatorKeys.v1");

    public override Task SetAuthenticatorKeyAsync(HubUser user, string key, CancellationToken cancellationToken) =>
        base.SetAuthenticatorKeyAsync(user, _keys.Protect(key), cancellationToken);

    public override async Task<string?> GetAuthenticatorKeyAsync(HubUser user, CancellationToken cancellationToken)
    {
        var stored = await base.GetAuthenticatorKeyAsync(user, cancellationToken);
        return stored is null ? null : _keys.Unprotect(stored);
    }

    public override Task ReplaceCodesAsync(HubUser user, IEnumerable<string> recoveryCodes, CancellationToken cancellationToken) =>
        base.ReplaceCodesAsync(user, recoveryCodes.Select(HashCode), cancellationToken);

    public override Task<bool> RedeemCodeAsync(HubUser user, string code, CancellationToken cancellationToken) =>
        base.RedeemCodeAsync(user, HashCode(code), cancellationToken);

    /// <summary>Codes are compared as typed, ignoring case and surrounding spaces.</summary>
    private static string HashCode(string code) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(code.Trim().ToUpperInvariant())));
}
