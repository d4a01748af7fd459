using GrocerySync.Contracts;
using GrocerySync.Hub.Api;
using GrocerySync.Hub.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace GrocerySync.Hub.Features.Jobs;

internal static class JobsApi
{
    public static IServiceCollection AddJobs(this IServiceCollection services)
    {
        services.AddScoped<JobService>();
        return services;
    }

    public static RouteGroupBuilder MapJobsEndpoints(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/jobs").WithTags("Jobs").RequireAuthorization(Policies.AnyUser);

        group.MapGet("/", async Task<Results<Ok<PagedResult<JobDto>>, ValidationProblem>> (
                [AsParameters] ListQuery list, [AsParameters] JobListQuery filter, JobService service, CancellationToken ct) =>
            (await service.ListAsync(list, filter, ct)).ToListResult())
            .WithSummary("Lists the caller's jobs (every retailer's for platform admins), filtered, searched and ordered.");

        group.MapGet("/{id:guid}", async Task<Results<Ok<JobDto>, NotFound>> (Guid id, JobService service, CancellationToken ct) =>
            (await service.GetAsync(id, ct)).ToGetResult());

        group.MapPost("/", async Task<Results<Created<JobDto>, ValidationProblem, Conflict<ProblemDetails>, ForbidHttpResult>> (
                CreateJobRequest request, JobService service, CancellationToken ct) =>
            (await service.CreateAsync(request, ct)).ToCreatedResult(j => $"/api/v1/jobs/{j.Id}"))
            .RequireAuthorization(Policies.RetailerAdmin);

        group.MapPut("/{id:guid}", async Task<Results<Ok<JobDto>, NotFound, ValidationProblem, Conflict<ProblemDetails>>> (
                Guid id, UpdateJobRequest request, JobService service, CancellationToken ct) =>
            (await service.UpdateAsync(id, request, ct)).ToUpdateResult())
            .RequireAuthorization(Policies.RetailerAdmin);

        group.MapDelete("/{id:guid}", async Task<Results<NoContent, NotFound, Conflict<ProblemDetails>>> (Guid id, JobService service, CancellationToken ct) =>
            (await service.DeleteAsync(id, ct)).ToDeleteResult())
            .RequireAuthorization(Policies.RetailerAdmin);

        return group;
    }
}
