using GrocerySync.Contracts;
using GrocerySync.Hub.Api;
using GrocerySync.Hub.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace GrocerySync.Hub.Features.Audit;

internal static class AuditApi
{
    /// <summary>The audit feed, and the interceptor that records every configuration change in the same transaction.</summary>
    public static IServiceCollection AddAudit(this IServiceCollection services)
    {
        services.AddHttpContextAccessor();
        services.AddScoped<ISaveChangesInterceptor, AuditInterceptor>();
        services.AddScoped<AuditService>();
        return services;
    }

    public static RouteGroupBuilder MapAuditEndpoints(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/audit-events").WithTags("Audit").RequireAuthorization(Policies.RetailerAdmin);

        group.MapGet("/", async Task<Results<Ok<PagedResult<AuditEventDto>>, ValidationProblem>> (
                [AsParameters] ListQuery list, [AsParameters] AuditListQuery filter, AuditService service, CancellationToken ct) =>
            (await service.ListAsync(list, filter, ct)).ToListResult())
            .WithSummary("Lists audit events, newest first by default: every retailer's and platform-level ones for platform admins, the caller's retailer's for retailer admins. Search matches the actor's name.");

        return group;
    }
}
