using GrocerySync.Contracts;
using GrocerySync.Hub.Api;
using GrocerySync.Hub.Features.Runs;
using GrocerySync.Hub.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace GrocerySync.Hub.Features.Jobs;

internal static class JobsApi
{
    public static IServiceCollection AddJobs(this IServiceCollection services)
    {
        services.AddScoped<JobService>();
        services.AddScoped<IRunFinishedListener, JobOutcomes>();
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

        group.MapGet("/{id:guid}/schedule", async Task<Results<Ok<JobScheduleDto>, NotFound>> (Guid id, JobService service, CancellationToken ct) =>
            (await service.GetScheduleAsync(id, ct)).ToGetResult())
            .WithSummary("Gets the job's schedule: whether it runs, why it is paused, and its next five run times in its time zone (with offsets) and in UTC.");

        group.MapPost("/{id:guid}/run", async Task<Results<Accepted<RunDetailDto>, NotFound, Conflict<ProblemDetails>>> (Guid id, JobService service, CancellationToken ct) =>
            {
                var (outcome, activeRunId) = await service.RunNowAsync(id, ct);
                return outcome.Kind switch
                {
                    OutcomeKind.Ok => TypedResults.Accepted($"/api/v1/runs/{outcome.Value!.Run.Id}", outcome.Value),
                    OutcomeKind.Conflict => TypedResults.Conflict(OutcomeResults.ConflictProblem(outcome.Detail, activeRunId is { } active ? new() { ["activeRunId"] = active } : null)),
                    _ => TypedResults.NotFound(),
                };
            })
            .WithSummary("Queues a run of the job now (also while it is paused). 409 while a run of the job is active (its id in activeRunId) or the job is disabled.");

        group.MapPost("/{id:guid}/pause", async Task<Results<Ok<JobDto>, NotFound>> (Guid id, PauseJobRequest request, JobService service, CancellationToken ct) =>
            (await service.PauseAsync(id, request, ct)).ToGetResult())
            .WithSummary("Stops scheduling the job until it is resumed; the reason is shown on the job. Runs already queued or running go on.")
            .RequireAuthorization(Policies.RetailerAdmin);

        group.MapPost("/{id:guid}/resume", async Task<Results<Ok<JobDto>, NotFound>> (Guid id, JobService service, CancellationToken ct) =>
            (await service.ResumeAsync(id, ct)).ToGetResult())
            .WithSummary("Schedules a paused job again from now on (missed occurrences are not made up); clears the pause reason and the consecutive-failure count.")
            .RequireAuthorization(Policies.RetailerAdmin);

        return group;
    }
}
