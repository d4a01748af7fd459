using GrocerySync.Contracts;
using GrocerySync.Hub.Api;
using GrocerySync.Hub.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace GrocerySync.Hub.Features.Destinations;

internal static class DestinationsApi
{
    public static IServiceCollection AddDestinations(this IServiceCollection services)
    {
        services.AddScoped<DestinationService>();
        return services;
    }

    public static RouteGroupBuilder MapDestinationsEndpoints(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/destinations").WithTags("Destinations").RequireAuthorization(Policies.AnyUser);

        group.MapGet("/", async Task<Results<Ok<PagedResult<DestinationDto>>, ValidationProblem>> (
                [AsParameters] ListQuery list, [AsParameters] DestinationListQuery filter, DestinationService service, CancellationToken ct) =>
            (await service.ListAsync(list, filter, ct)).ToListResult())
            .WithSummary("Lists the caller's destinations (every retailer's for platform admins), filtered, searched on name and ordered.");

        group.MapGet("/{id:guid}", async Task<Results<Ok<DestinationDto>, NotFound>> (Guid id, DestinationService service, CancellationToken ct) =>
            (await service.GetAsync(id, ct)).ToGetResult());

        // Writes carry secrets, which technicians may not set.
        group.MapPost("/", async Task<Results<Created<DestinationDto>, ValidationProblem, Conflict<ProblemDetails>, ForbidHttpResult>> (
                CreateDestinationRequest request, DestinationService service, CancellationToken ct) =>
            (await service.CreateAsync(request, ct)).ToCreatedResult(d => $"/api/v1/destinations/{d.Id}"))
            .RequireAuthorization(Policies.RetailerAdmin);

        group.MapPut("/{id:guid}", async Task<Results<Ok<DestinationDto>, NotFound, ValidationProblem, Conflict<ProblemDetails>>> (
                Guid id, UpdateDestinationRequest request, DestinationService service, CancellationToken ct) =>
            (await service.UpdateAsync(id, request, ct)).ToUpdateResult())
            .RequireAuthorization(Policies.RetailerAdmin)
            .WithSummary("Updates a destination. Secrets left out stay as they are; a secret set to null is removed.");

        group.MapDelete("/{id:guid}", async Task<Results<NoContent, NotFound, Conflict<ProblemDetails>>> (Guid id, DestinationService service, CancellationToken ct) =>
            (await service.DeleteAsync(id, ct)).ToDeleteResult())
            .RequireAuthorization(Policies.RetailerAdmin);

        // Technicians test connections too; the test itself runs on an agent.
        group.MapPost("/{id:guid}/test", async Task<Results<NotFound, Conflict<ProblemDetails>>> (Guid id, DestinationService service, CancellationToken ct) =>
            ToTestResult(await service.TestAsync(id, ct)))
            .WithSummary("Tests the destination's connection from an agent. Answers 409 while no agent can run the test.");

        return group;
    }

    // No success result yet: until agents take dispatched work, a test can only be refused (see DestinationService.TestAsync).
    private static Results<NotFound, Conflict<ProblemDetails>> ToTestResult(Outcome outcome) =>
        outcome.Kind == OutcomeKind.NotFound
            ? TypedResults.NotFound()
            : TypedResults.Conflict(new ProblemDetails
            {
                Status = StatusCodes.Status409Conflict,
                Title = "The connection test cannot run.",
                Detail = outcome.Detail,
                Type = "https://tools.ietf.org/html/rfc9110#section-15.5.10",
            });
}
