using GrocerySync.Contracts;
using GrocerySync.Hub.Api;
using GrocerySync.Hub.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace GrocerySync.Hub.Features.Users;

internal static class UsersApi
{
    public static IServiceCollection AddUsers(this IServiceCollection services)
    {
        services.AddScoped<UserService>();
        return services;
    }

    public static RouteGroupBuilder MapUsersEndpoints(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/users").WithTags("Users").RequireAuthorization(Policies.RetailerAdmin);

        group.MapGet("/", async Task<Results<Ok<PagedResult<UserDto>>, ValidationProblem>> (
                [AsParameters] ListQuery list, [AsParameters] UserListQuery filter, UserService service, CancellationToken ct) =>
            (await service.ListAsync(list, filter, ct)).ToListResult())
            .WithSummary("Lists the users of the caller's retailer (everyone for platform admins), searched on email and display name.");

        group.MapGet("/{id:guid}", async Task<Results<Ok<UserDto>, NotFound>> (Guid id, UserService service, CancellationToken ct) =>
            (await service.GetAsync(id, ct)).ToGetResult());

        group.MapPost("/", async Task<Results<Created<UserDto>, ValidationProblem, Conflict<ProblemDetails>, ForbidHttpResult>> (
                CreateUserRequest request, UserService service, CancellationToken ct) =>
            (await service.CreateAsync(request, ct)).ToCreatedResult(u => $"/api/v1/users/{u.Id}"))
            .WithSummary("Creates a user with a first password that must pass the password policy.");

        group.MapPut("/{id:guid}", async Task<Results<Ok<UserDto>, NotFound, ValidationProblem, Conflict<ProblemDetails>>> (
                Guid id, UpdateUserRequest request, UserService service, CancellationToken ct) =>
            (await service.UpdateAsync(id, request, ct)).ToUpdateResult())
            .WithSummary("Changes a user's display name, role or disabled flag; nobody changes their own role or disables themselves.");

        group.MapDelete("/{id:guid}", async Task<Results<NoContent, NotFound, ValidationProblem>> (Guid id, UserService service, CancellationToken ct) =>
            ToDeleteResult(await service.DeleteAsync(id, ct)))
            .WithSummary("Deletes a user; nobody deletes themselves.");

        return group;
    }

    // Deleting yourself is a bad request, which the shared delete mapping has no answer for.
    private static Results<NoContent, NotFound, ValidationProblem> ToDeleteResult(Outcome<bool> outcome) =>
        outcome.Kind switch
        {
            OutcomeKind.Ok => TypedResults.NoContent(),
            OutcomeKind.Invalid => TypedResults.ValidationProblem(outcome.Errors ?? new Dictionary<string, string[]>()),
            _ => TypedResults.NotFound(),
        };
}
