using GrocerySync.Contracts;
using GrocerySync.Hub.Api;
using GrocerySync.Hub.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace GrocerySync.Hub.Features.Agents;

internal static class AgentsApi
{
    private static Results<Ok<EnrollmentTokenDto>, NotFound, Conflict<ProblemDetails>> ToTokenResult(this Outcome<EnrollmentTokenDto> outcome) =>
        outcome.Kind switch
        {
            OutcomeKind.Ok => TypedResults.Ok(outcome.Value),
            OutcomeKind.Conflict => TypedResults.Conflict(new ProblemDetails { Status = StatusCodes.Status409Conflict, Title = "Conflict", Detail = outcome.Detail, Type = "https://tools.ietf.org/html/rfc9110#section-15.5.10" }),
            _ => TypedResults.NotFound(),
        };

    public static IServiceCollection AddAgents(this IServiceCollection services)
    {
        services.AddScoped<AgentService>();
        return services;
    }

    public static RouteGroupBuilder MapAgentsEndpoints(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/agents").WithTags("Agents").RequireAuthorization(Policies.AnyUser);

        group.MapGet("/", async Task<Results<Ok<PagedResult<AgentDto>>, ValidationProblem>> (
                [AsParameters] ListQuery list, [AsParameters] AgentListQuery filter, AgentService service, CancellationToken ct) =>
            (await service.ListAsync(list, filter, ct)).ToListResult())
            .WithSummary("Lists the caller's agents (every retailer's for platform admins), filtered, searched on name and host name, and ordered.");

        group.MapGet("/{id:guid}", async Task<Results<Ok<AgentDto>, NotFound>> (Guid id, AgentService service, CancellationToken ct) =>
            (await service.GetAsync(id, ct)).ToGetResult());

        // Technicians install agents in the stores, so they may register them too.
        group.MapPost("/", async Task<Results<Created<AgentDto>, ValidationProblem, Conflict<ProblemDetails>, ForbidHttpResult>> (
                CreateAgentRequest request, AgentService service, CancellationToken ct) =>
            (await service.CreateAsync(request, ct)).ToCreatedResult(a => $"/api/v1/agents/{a.Id}"))
            .WithSummary("Registers an agent; it starts as Pending until it enrolls.");

        group.MapPut("/{id:guid}", async Task<Results<Ok<AgentDto>, NotFound, ValidationProblem, Conflict<ProblemDetails>>> (
                Guid id, UpdateAgentRequest request, AgentService service, CancellationToken ct) =>
            (await service.UpdateAsync(id, request, ct)).ToUpdateResult())
            .RequireAuthorization(Policies.RetailerAdmin);

        group.MapDelete("/{id:guid}", async Task<Results<NoContent, NotFound, Conflict<ProblemDetails>>> (Guid id, AgentService service, CancellationToken ct) =>
            (await service.DeleteAsync(id, ct)).ToDeleteResult())
            .RequireAuthorization(Policies.RetailerAdmin);

        group.MapPost("/{id:guid}/revoke", async Task<Results<Ok<AgentDto>, NotFound>> (Guid id, AgentService service, CancellationToken ct) =>
            (await service.RevokeAsync(id, ct)).ToGetResult())
            .RequireAuthorization(Policies.RetailerAdmin)
            .WithSummary("Revokes the agent: it can no longer connect. Revoking a revoked agent changes nothing.");

        // Technicians install agents in the stores, so they enroll them too.
        group.MapPost("/{id:guid}/enrollment-token", async Task<Results<Ok<EnrollmentTokenDto>, NotFound, Conflict<ProblemDetails>>> (
                Guid id, HttpRequest request, AgentService service, CancellationToken ct) =>
            (await service.CreateEnrollmentTokenAsync(id, $"{request.Scheme}://{request.Host}{request.PathBase}", ct)).ToTokenResult())
            .WithSummary("Creates the agent's one-time enrollment token (valid 24 h by default), shown only in this answer; a new token replaces an unused earlier one.");

        return group;
    }
}
