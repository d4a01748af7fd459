using GrocerySync.Contracts;
using GrocerySync.Hub.Api;
using GrocerySync.Hub.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace GrocerySync.Hub.Features.Retailers;

internal static class RetailersApi
{
    public static IServiceCollection AddRetailers(this IServiceCollection services)
    {
        services.AddScoped<RetailerService>();
        return services;
    }

    public static RouteGroupBuilder MapRetailersEndpoints(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/retailers").WithTags("Retailers").RequireAuthorization(Policies.AnyUser);

        group.MapGet("/", async Task<Results<Ok<PagedResult<RetailerDto>>, ValidationProblem>> (
                [AsParameters] ListQuery list, [AsParameters] RetailerListQuery filter, RetailerService service, CancellationToken ct) =>
            (await service.ListAsync(list, filter, ct)).ToListResult())
            .WithSummary("Lists retailers: all of them for platform admins, the caller's own for everyone else.");

        group.MapGet("/{id:guid}", async Task<Results<Ok<RetailerDto>, NotFound>> (Guid id, RetailerService service, CancellationToken ct) =>
            (await service.GetAsync(id, ct)).ToGetResult());

        group.MapPost("/", async Task<Results<Created<RetailerDto>, ValidationProblem, Conflict<ProblemDetails>, ForbidHttpResult>> (
                CreateRetailerRequest request, RetailerService service, CancellationToken ct) =>
            (await service.CreateAsync(request, ct)).ToCreatedResult(r => $"/api/v1/retailers/{r.Id}"))
            .RequireAuthorization(Policies.PlatformAdmin);

        group.MapPut("/{id:guid}", async Task<Results<Ok<RetailerDto>, NotFound, ValidationProblem, Conflict<ProblemDetails>>> (
                Guid id, UpdateRetailerRequest request, RetailerService service, CancellationToken ct) =>
            (await service.UpdateAsync(id, request, ct)).ToUpdateResult())
            .RequireAuthorization(Policies.PlatformAdmin);

        group.MapDelete("/{id:guid}", async Task<Results<NoContent, NotFound, Conflict<ProblemDetails>>> (Guid id, RetailerService service, CancellationToken ct) =>
            (await service.DeleteAsync(id, ct)).ToDeleteResult())
            .RequireAuthorization(Policies.PlatformAdmin);

        return group;
    }
}
