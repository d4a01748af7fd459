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
        services.AddScoped<ConnectionTestService>();
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

        // Technicians test connections too; the test itself runs on an agent, which answers later.
        group.MapPost("/{id:guid}/test", async Task<Results<Accepted<ConnectionTestDto>, NotFound, ValidationProblem, Conflict<ProblemDetails>>> (
                Guid id, TestConnectionRequest? request, ConnectionTestService service, CancellationToken ct) =>
            {
                var outcome = await service.RequestAsync(id, request, ct);
                return outcome.Kind switch
                {
                    OutcomeKind.Ok => TypedResults.Accepted($"/api/v1/destinations/{id}/tests/{outcome.Value!.Id}", outcome.Value),
                    OutcomeKind.Invalid => TypedResults.ValidationProblem(outcome.Errors!),
                    OutcomeKind.Conflict => TypedResults.Conflict(new ProblemDetails
                    {
                        Status = StatusCodes.Status409Conflict,
                        Title = "The connection test cannot run.",
                        Detail = outcome.Detail,
                        Type = "https://tools.ietf.org/html/rfc9110#section-15.5.10",
                    }),
                    _ => TypedResults.NotFound(),
                };
            })
            .WithSummary("Asks an agent in the store network to test the destination's connection: the named agent (optional body { agentId }), else an online agent of the retailer, preferring one whose jobs deliver here. Answers 202 with the test to poll; 409 when no such agent is online.");

        group.MapGet("/{id:guid}/tests/{testId:guid}", async Task<Results<Ok<ConnectionTestDto>, NotFound>> (Guid id, Guid testId, ConnectionTestService service, CancellationToken ct) =>
            (await service.GetAsync(id, testId, ct)).ToGetResult())
            .WithSummary("Gets a connection test: Pending, Dispatched, then Succeeded or Failed with the agent's message (Failed without an answer after Hub:Runs:ConnectionTestTimeout).");

        return group;
    }
}
