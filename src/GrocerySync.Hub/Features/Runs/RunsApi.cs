using GrocerySync.Contracts;
using GrocerySync.Hub.Api;
using GrocerySync.Hub.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace GrocerySync.Hub.Features.Runs;

internal static class RunsApi
{
    public static IServiceCollection AddRuns(this IServiceCollection services)
    {
        services.AddScoped<RunService>();
        services.AddScoped<RunQueue>();
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

        return group;
    }
}
