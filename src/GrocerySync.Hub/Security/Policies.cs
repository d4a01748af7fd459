using GrocerySync.Hub.Data.Entities;
using GrocerySync.Hub.Tenancy;
using Microsoft.AspNetCore.Authorization;

namespace GrocerySync.Hub.Security;

/// <summary>
/// Authorization policies, each a pure predicate over the caller's claims (DESIGN.md section 1).
/// Tenant scoping is not a policy: the query filter and the feature services enforce it.
/// </summary>
internal static class Policies
{
    /// <summary>Any signed-in hub user: platform admin, retailer admin or technician.</summary>
    public const string AnyUser = nameof(AnyUser);

    /// <summary>Platform admins and retailer admins: configuration, users, secrets, deletes.</summary>
    public const string RetailerAdmin = nameof(RetailerAdmin);

    /// <summary>Platform admins only: retailers, plugin publishing.</summary>
    public const string PlatformAdmin = nameof(PlatformAdmin);

    /// <summary>
    /// A signed-in user, or a restricted session whose only right is to set up two-factor sign-in (a user who must
    /// use it and has not enrolled yet). Only the account's own two-factor endpoints and pages name this policy.
    /// </summary>
    public const string TwoFactorEnrollment = nameof(TwoFactorEnrollment);

    private static readonly string[] Roles = [nameof(HubRole.PlatformAdmin), nameof(HubRole.RetailerAdmin), nameof(HubRole.Technician)];

    public static IServiceCollection AddHubAuthorization(this IServiceCollection services)
    {
        // The default (what a bare RequireAuthorization() means) is a full session with a role: a restricted
        // enrollment session gets nowhere that does not name TwoFactorEnrollment.
        var fullSession = new AuthorizationPolicyBuilder().RequireAuthenticatedUser().RequireClaim(HubClaims.Role, Roles).Build();
        services.AddAuthorizationBuilder()
            .SetDefaultPolicy(fullSession)
            .AddPolicy(AnyUser, p => p.RequireClaim(HubClaims.Role, Roles))
            .AddPolicy(RetailerAdmin, p => p.RequireClaim(HubClaims.Role, nameof(HubRole.PlatformAdmin), nameof(HubRole.RetailerAdmin)))
            .AddPolicy(PlatformAdmin, p => p.RequireClaim(HubClaims.Role, nameof(HubRole.PlatformAdmin)))
            .AddPolicy(TwoFactorEnrollment, p => p.RequireAuthenticatedUser().RequireClaim(HubClaims.UserId));
        return services;
    }
}
