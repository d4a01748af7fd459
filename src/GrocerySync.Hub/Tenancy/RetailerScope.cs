using GrocerySync.Hub.Api;
using GrocerySync.Hub.Data;
using Microsoft.EntityFrameworkCore;

namespace GrocerySync.Hub.Tenancy;

/// <summary>Decides which retailer a new item belongs to, so no feature can create into another tenant.</summary>
internal sealed class RetailerScope(HubDbContext db, CurrentUser caller)
{
    /// <summary>
    /// Retailer users create in their own retailer (naming another one is refused without saying whether it exists);
    /// platform admins must name an existing retailer explicitly.
    /// </summary>
    public async Task<Outcome<Guid>> ForCreateAsync(Guid? requested, CancellationToken ct)
    {
        if (!caller.SeesAllRetailers)
        {
            return requested is null || requested == caller.RetailerId
                ? caller.FilterRetailerId
                : Outcome.Invalid("retailerId", "No retailer with this id.");
        }

        if (requested is not { } retailerId)
        {
            return Outcome.Invalid("retailerId", "Platform admins must name the retailer the item belongs to.");
        }

        return await db.Retailers.AnyAsync(r => r.Id == retailerId, ct)
            ? retailerId
            : Outcome.Invalid("retailerId", "No retailer with this id.");
    }
}
