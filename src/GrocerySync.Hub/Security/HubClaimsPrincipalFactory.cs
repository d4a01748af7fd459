using System.Security.Claims;
using GrocerySync.Hub.Data.Entities;
using GrocerySync.Hub.Tenancy;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace GrocerySync.Hub.Security;

/// <summary>The browser session's claims: the same ones an access token carries (<see cref="HubClaims"/>), so both feed <see cref="CurrentUser"/> alike.</summary>
internal sealed class HubClaimsPrincipalFactory(UserManager<HubUser> users, IOptions<IdentityOptions> options)
    : UserClaimsPrincipalFactory<HubUser>(users, options)
{
    protected override async Task<ClaimsIdentity> GenerateClaimsAsync(HubUser user)
    {
        var identity = await base.GenerateClaimsAsync(user);
        foreach (var name in identity.FindAll(HubClaims.Name).ToList())
        {
            identity.RemoveClaim(name);
        }

        identity.AddClaim(new Claim(HubClaims.Name, user.DisplayName));
        identity.AddClaim(new Claim(HubClaims.Role, user.Role.ToString()));
        if (user.RetailerId is { } retailerId)
        {
            identity.AddClaim(new Claim(HubClaims.RetailerId, retailerId.ToString()));
        }

        return identity;
    }

    /// <summary>A browser session that may only enroll two-factor sign-in, like <see cref="TokenService.IssueEnrollmentToken"/>.</summary>
    public static ClaimsPrincipal Enrollment(HubUser user, string authenticationType) => new(new ClaimsIdentity(
        [
            new Claim(HubClaims.UserId, user.Id.ToString()),
            new Claim(HubClaims.Name, user.DisplayName),
            new Claim(HubClaims.SecurityStamp, user.SecurityStamp ?? string.Empty),
            new Claim(HubClaims.Scope, HubClaims.TwoFactorEnrollmentScope),
        ],
        authenticationType, HubClaims.Name, HubClaims.Role));
}
