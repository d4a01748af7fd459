using GrocerySync.Contracts;
using GrocerySync.Hub.Api;
using GrocerySync.Hub.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace GrocerySync.Hub.Features.Audit;

internal static class AuditApi
{
    /// <summary>
    /// The audit feed, its verification and export; the interceptor that records every configuration change in the
    /// same transaction; <see cref="AuditLog"/> for everything else; and the retention sweep.
    /// </summary>
    public static IServiceCollection AddAudit(this IServiceCollection services)
    {
        services.AddHttpContextAccessor();
        services.AddScoped<AuditEntries>();
        services.AddScoped<AuditLog>();
        services.AddScoped<ISaveChangesInterceptor, AuditInterceptor>();
        services.AddScoped<AuditService>();
        services.AddScoped<AuditRetention>();
        services.AddHostedService<AuditRetentionWorker>();
        return services;
    }

    public static RouteGroupBuilder MapAuditEndpoints(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/audit-events").WithTags("Audit").RequireAuthorization(Policies.RetailerAdmin);

        group.MapGet("/", async Task<Results<Ok<PagedResult<AuditEventDto>>, ValidationProblem>> (
                [AsParameters] ListQuery list, [AsParameters] AuditListQuery filter, AuditService service, CancellationToken ct) =>
            (await service.ListAsync(list, filter, ct)).ToListResult())
            .WithSummary("Lists audit events, newest first by default: every retailer's and platform-level ones for platform admins, the caller's retailer's for retailer admins. Search matches the actor's name.");

        group.MapGet("/export", Results<PushStreamHttpResult, ValidationProblem> (
                [AsParameters] ListQuery list, [AsParameters] AuditListQuery filter, AuditService service, CancellationToken ct) =>
            {
                var rows = service.Export(list, filter);
                if (rows.Kind != OutcomeKind.Ok)
                {
                    return TypedResults.ValidationProblem(rows.Errors!);
                }

                return TypedResults.Stream(
                    async (stream) =>
                    {
                        await using var writer = new StreamWriter(stream, new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
                        await foreach (var row in rows.Value!.WithCancellation(ct))
                        {
                            await writer.WriteAsync(row);
                        }
                    },
                    "text/csv; charset=utf-8",
                    "audit-events.csv");
            })
            .Produces<string>(StatusCodes.Status200OK, "text/csv")
            .WithSummary("Downloads the filtered audit events as CSV: every page, streamed, in the list's order (paging parameters are ignored).");

        group.MapGet("/verify", async Task<Ok<AuditVerificationDto>> ([AsParameters] AuditVerifyQuery query, AuditService service, CancellationToken ct) =>
                TypedResults.Ok(await service.VerifyAsync(query.RetailerId, ct)))
            .WithSummary("Verifies one hash chain of the audit trail and names the first entry that was changed, removed or reordered. Retailer admins verify their retailer's chain; platform admins choose one with retailerId, or the platform chain without it.");

        return group;
    }
}
