using GrocerySync.Contracts;
using GrocerySync.Hub.Api;
using GrocerySync.Hub.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace GrocerySync.Hub.Features.Sources;

internal static class SourcesApi
{
    public static IServiceCollection AddSources(this IServiceCollection services)
    {
        services.AddScoped<SourceService>();
        return services;
    }

    public static RouteGroupBuilder MapSourcesEndpoints(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/sources").WithTags("Sources").RequireAuthorization(Policies.AnyUser);

        group.MapGet("/", async Task<Results<Ok<PagedResult<SourceDto>>, ValidationProblem>> (
                [AsParameters] ListQuery list, [AsParameters] SourceListQuery filter, SourceService service, CancellationToken ct) =>
            (await service.ListAsync(list, filter, ct)).ToListResult())
            .WithSummary("Lists the caller's sources (every retailer's for platform admins), filtered, searched on name and ordered.");

        group.MapGet("/{id:guid}", async Task<Results<Ok<SourceDto>, NotFound>> (Guid id, SourceService service, CancellationToken ct) =>
            (await service.GetAsync(id, ct)).ToGetResult());

        // Writes carry secrets, which technicians may not set.
        group.MapPost("/", async Task<Results<Created<SourceDto>, ValidationProblem, Conflict<ProblemDetails>, ForbidHttpResult>> (
                CreateSourceRequest request, SourceService service, CancellationToken ct) =>
            (await service.CreateAsync(request, ct)).ToCreatedResult(s => $"/api/v1/sources/{s.Id}"))
            .RequireAuthorization(Policies.RetailerAdmin);

        group.MapPut("/{id:guid}", async Task<Results<Ok<SourceDto>, NotFound, ValidationProblem, Conflict<ProblemDetails>>> (
                Guid id, UpdateSourceRequest request, SourceService service, CancellationToken ct) =>
            (await service.UpdateAsync(id, request, ct)).ToUpdateResult())
            .RequireAuthorization(Policies.RetailerAdmin)
            .WithSummary("Updates a source. Secrets left out stay as they are; a secret set to null is removed.");

        group.MapDelete("/{id:guid}", async Task<Results<NoContent, NotFound, Conflict<ProblemDetails>>> (Guid id, SourceService service, CancellationToken ct) =>
            (await service.DeleteAsync(id, ct)).ToDeleteResult())
            .RequireAuthorization(Policies.RetailerAdmin);

        return group;
    }
}
