using GrocerySync.Hub.Data.Entities;
using GrocerySync.Hub.Tenancy;

namespace GrocerySync.Hub.Security;

/// <summary>
/// Authorization policies, each a pure predicate over the caller's role (DESIGN.md section 1).
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

    public static IServiceCollection AddHubAuthorization(this IServiceCollection services)
    {
        services.AddAuthorizationBuilder()
            .AddPolicy(AnyUser, p => p.RequireClaim(HubClaims.Role, nameof(HubRole.PlatformAdmin), nameof(HubRole.RetailerAdmin), nameof(HubRole.Technician)))
            .AddPolicy(RetailerAdmin, p => p.RequireClaim(HubClaims.Role, nameof(HubRole.PlatformAdmin), nameof(HubRole.RetailerAdmin)))
            .AddPolicy(PlatformAdmin, p => p.RequireClaim(HubClaims.Role, nameof(HubRole.PlatformAdmin)));
        return services;
    }
}
