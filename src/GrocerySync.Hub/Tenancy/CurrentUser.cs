using System.Security.Claims;
using GrocerySync.Hub.Data.Entities;

namespace GrocerySync.Hub.Tenancy;

/// <summary>
/// The caller of this scope, filled once per request from the authenticated principal (or set to the
/// system for background work). It feeds the tenant query filter and every authorization decision.
/// </summary>
internal sealed class CurrentUser
{
    public Guid? UserId { get; private set; }

    public HubRole? Role { get; private set; }

    /// <summary>The caller's own retailer; null for platform admins and the system.</summary>
    public Guid? RetailerId { get; private set; }

    public string? Name { get; private set; }

    public bool IsSystem { get; private set; }

    public bool IsPlatformAdmin => Role == HubRole.PlatformAdmin;

    /// <summary>Platform admins and the system see every retailer; everyone else only their own.</summary>
    public bool SeesAllRetailers => IsSystem || IsPlatformAdmin;

    /// <summary>The retailer the query filter admits; <see cref="Guid.Empty"/> admits nothing.</summary>
    public Guid FilterRetailerId => RetailerId ?? Guid.Empty;

    public void SetUser(ClaimsPrincipal principal)
    {
        if (principal.Identity?.IsAuthenticated != true)
        {
            return;
        }

        UserId = Guid.TryParse(principal.FindFirstValue(HubClaims.UserId), out var id) ? id : null;
        Role = Enum.TryParse<HubRole>(principal.FindFirstValue(HubClaims.Role), out var role) ? role : null;
        RetailerId = Guid.TryParse(principal.FindFirstValue(HubClaims.RetailerId), out var retailer) ? retailer : null;
        Name = principal.FindFirstValue(HubClaims.Name);
    }

    /// <summary>Marks this scope as the hub itself (start-up, background services): no tenant filter.</summary>
    public void SetSystem()
    {
        IsSystem = true;
        Name = "system";
    }

    /// <summary>Whether the caller may act on rows of <paramref name="retailerId"/>.</summary>
    public bool CanAccessRetailer(Guid retailerId) => SeesAllRetailers || RetailerId == retailerId;
}

/// <summary>Claim types the hub puts into its tokens and cookies.</summary>
internal static class HubClaims
{
    public const string UserId = "sub";
    public const string Role = "role";
    public const string RetailerId = "retailer_id";
    public const string Name = "name";

    /// <summary>The user's security stamp when the token or cookie was issued; a changed stamp ends the session.</summary>
    public const string SecurityStamp = "sstamp";

    /// <summary>Set on a restricted session that may only enroll two-factor sign-in (<see cref="TwoFactorEnrollmentScope"/>).</summary>
    public const string Scope = "gs_scope";

    public const string TwoFactorEnrollmentScope = "two-factor-enrollment";
}
