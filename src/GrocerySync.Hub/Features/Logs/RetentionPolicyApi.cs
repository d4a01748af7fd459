using System.ComponentModel.DataAnnotations;
using GrocerySync.Hub.Data;
using GrocerySync.Hub.Security;
using GrocerySync.Hub.Tenancy;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace GrocerySync.Hub.Features.Logs;

/// <summary>How long a retailer keeps its log lines and finished runs: its admins decide; the retention sweep applies it.</summary>
internal static class RetentionPolicyApi
{
    public static RouteGroupBuilder MapRetentionPolicyEndpoints(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/retailers/{id:guid}/retention").WithTags("Logs").RequireAuthorization(Policies.RetailerAdmin);

        group.MapGet("/", async Task<Results<Ok<RetentionPolicyDto>, NotFound>> (Guid id, HubDbContext db, CurrentUser caller, CancellationToken ct) =>
                await db.Retailers.AsNoTracking().Where(r => r.Id == id && (caller.SeesAllRetailers || r.Id == caller.FilterRetailerId))
                    .Select(r => new RetentionPolicyDto(r.Id, r.LogRetentionDays, r.LogRetentionMaxLines, r.RunRetentionDays)).SingleOrDefaultAsync(ct) is { } policy
                    ? TypedResults.Ok(policy)
                    : TypedResults.NotFound())
            .WithSummary("How long the retailer keeps log lines (by age and by count) and finished runs.");

        group.MapPut("/", async Task<Results<Ok<RetentionPolicyDto>, NotFound>> (Guid id, UpdateRetentionPolicyRequest request, HubDbContext db, CurrentUser caller, CancellationToken ct) =>
            {
                var retailer = await db.Retailers.SingleOrDefaultAsync(r => r.Id == id && (caller.SeesAllRetailers || r.Id == caller.FilterRetailerId), ct);
                if (retailer is null)
                {
                    return TypedResults.NotFound();
                }

                // Audited as a retailer update; the next retention sweep applies the new limits.
                retailer.LogRetentionDays = request.LogRetentionDays.GetValueOrDefault();
                retailer.LogRetentionMaxLines = request.LogRetentionMaxLines.GetValueOrDefault();
                retailer.RunRetentionDays = request.RunRetentionDays.GetValueOrDefault();
                await db.SaveChangesAsync(ct);
                return TypedResults.Ok(new RetentionPolicyDto(retailer.Id, retailer.LogRetentionDays, retailer.LogRetentionMaxLines, retailer.RunRetentionDays));
            })
            .WithSummary("Sets how long the retailer keeps log lines and finished runs; the background retention sweep deletes what is older or beyond the count.");

        return group;
    }
}

/// <param name="RetailerId">The retailer.</param>
/// <param name="LogRetentionDays">Log lines older than this many days are deleted.</param>
/// <param name="LogRetentionMaxLines">Beyond this many log lines, the oldest are deleted.</param>
/// <param name="RunRetentionDays">Finished runs older than this many days are deleted with their history.</param>
public sealed record RetentionPolicyDto(Guid RetailerId, int LogRetentionDays, long LogRetentionMaxLines, int RunRetentionDays);

public sealed record UpdateRetentionPolicyRequest
{
    /// <summary>Days of log lines to keep.</summary>
    [Required, Range(1, 3650)]
    public int? LogRetentionDays { get; init; }

    /// <summary>Most log lines to keep (the newest).</summary>
    [Required, Range(10, 1_000_000_000)]
    public long? LogRetentionMaxLines { get; init; }

    /// <summary>Days of finished runs to keep.</summary>
    [Required, Range(1, 3650)]
    public int? RunRetentionDays { get; init; }
}
