using GrocerySync.Hub.Data;
using GrocerySync.Hub.Security;
using GrocerySync.Hub.Tenancy;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace GrocerySync.Hub.Features.Users;

/// <summary>A retailer's two-factor policy: its admins decide whether every user of the retailer must use a second factor.</summary>
internal static class TwoFactorPolicyApi
{
    public static RouteGroupBuilder MapTwoFactorPolicyEndpoints(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/retailers/{id:guid}/two-factor-policy").WithTags("Users").RequireAuthorization(Policies.RetailerAdmin);

        group.MapGet("/", async Task<Results<Ok<TwoFactorPolicyDto>, NotFound>> (Guid id, HubDbContext db, CurrentUser caller, CancellationToken ct) =>
                await db.Retailers.AsNoTracking().Where(r => r.Id == id && (caller.SeesAllRetailers || r.Id == caller.FilterRetailerId))
                    .Select(r => new TwoFactorPolicyDto(r.Id, r.RequireTwoFactor)).SingleOrDefaultAsync(ct) is { } policy
                    ? TypedResults.Ok(policy)
                    : TypedResults.NotFound())
            .WithSummary("Whether the retailer's users must sign in with a second factor.");

        group.MapPut("/", async Task<Results<Ok<TwoFactorPolicyDto>, NotFound>> (Guid id, UpdateTwoFactorPolicyRequest request, HubDbContext db, CurrentUser caller, CancellationToken ct) =>
            {
                var retailer = await db.Retailers.SingleOrDefaultAsync(r => r.Id == id && (caller.SeesAllRetailers || r.Id == caller.FilterRetailerId), ct);
                if (retailer is null)
                {
                    return TypedResults.NotFound();
                }

                // Audited as a retailer update; users without two-factor sign-in are asked to enroll at their next sign-in.
                retailer.RequireTwoFactor = request.RequireTwoFactor.GetValueOrDefault();
                await db.SaveChangesAsync(ct);
                return TypedResults.Ok(new TwoFactorPolicyDto(retailer.Id, retailer.RequireTwoFactor));
            })
            .WithSummary("Requires (or no longer requires) every user of the retailer to sign in with a second factor. Those without one enroll at their next sign-in.");

        return group;
    }
}
