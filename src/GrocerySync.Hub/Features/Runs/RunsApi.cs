using GrocerySync.Contracts;
using GrocerySync.Hub.Api;
using GrocerySync.Hub.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace GrocerySync.Hub.Features.Runs;

internal static class RunsApi
{
    private static Results<Ok<RunDetailDto>, NotFound, Conflict<ProblemDetails>> ToCancelResult(this Outcome<RunDetailDto> outcome) =>
        outcome.Kind switch
        {
            OutcomeKind.Ok => TypedResults.Ok(outcome.Value),
            OutcomeKind.Conflict => TypedResults.Conflict(new ProblemDetails { Status = StatusCodes.Status409Conflict, Title = "Conflict", Detail = outcome.Detail, Type = "https://tools.ietf.org/html/rfc9110#section-15.5.10" }),
            _ => TypedResults.NotFound(),
        };

    public static IServiceCollection AddRuns(this IServiceCollection services)
    {
        services.AddScoped<RunService>();
        services.AddScoped<RunQueue>();
        services.AddScoped<RunCancellation>();
        return services;
    }

    public static RouteGroupBuilder MapRunsEndpoints(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/runs").WithTags("Runs").RequireAuthorization(Policies.AnyUser);

        group.MapGet("/", async Task<Results<Ok<PagedResult<RunDto>>, ValidationProblem>> (
                [AsParameters] ListQuery list, [AsParameters] RunListQuery filter, RunService service, CancellationToken ct) =>
            (await service.ListAsync(list, filter, ct)).ToListResult())
            .WithSummary("Lists runs, newest queued first by default; filter by job, agent, status, trigger and queue time (from inclusive, to exclusive); search matches the job name.");

        group.MapGet("/{id:guid}", async Task<Results<Ok<RunDetailDto>, NotFound>> (Guid id, RunService service, CancellationToken ct) =>
            (await service.GetAsync(id, ct)).ToGetResult())
            .WithSummary("Gets one run with its duration and its status changes in the order they happened.");

        group.MapPost("/{id:guid}/cancel", async Task<Results<Ok<RunDetailDto>, NotFound, Conflict<ProblemDetails>>> (Guid id, RunCancellation cancellation, CancellationToken ct) =>
            (await cancellation.CancelAsync(id, ct)).ToCancelResult())
            .WithSummary("Cancels a run: a queued run at once; a dispatched or running one is marked cancel-requested and its agent stops it (answers the run; 409 when it already ended).");

        return group;
    }
}
