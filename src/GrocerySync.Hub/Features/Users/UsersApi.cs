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
        services.AddScoped<InviteService>();
        services.AddSingleton<SmtpMailer>();
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

        group.MapPost("/{id:guid}/two-factor/reset", async Task<Results<Ok<UserDto>, NotFound, ValidationProblem, Conflict<ProblemDetails>>> (Guid id, UserService service, CancellationToken ct) =>
            (await service.ResetTwoFactorAsync(id, ct)).ToUpdateResult())
            .WithSummary("Turns off a user's two-factor sign-in (lost authenticator) and ends their sessions; where it is required they enroll again at their next sign-in.");

        group.MapGet("/invites", async Task<Results<Ok<PagedResult<InviteDto>>, ValidationProblem>> (
                [AsParameters] ListQuery list, [AsParameters] InviteListQuery filter, InviteService service, CancellationToken ct) =>
            (await service.ListAsync(list, filter, ct)).ToListResult())
            .WithSummary("Lists invitations, newest first; pending=true shows those that can still be accepted.");

        group.MapPost("/invites", async Task<Results<Created<InviteCreatedDto>, ValidationProblem, Conflict<ProblemDetails>, ForbidHttpResult>> (
                CreateInviteRequest request, HttpRequest http, InviteService service, CancellationToken ct) =>
            (await service.CreateAsync(request, $"{http.Scheme}://{http.Host}", ct)).ToCreatedResult(i => $"/api/v1/users/invites/{i.Invite.Id}"))
            .WithSummary("Invites a person by email: a single-use link, valid for Hub:Invites:Lifetime, by mail when SMTP is configured, else in the answer's link.");

        group.MapDelete("/invites/{id:guid}", async Task<Results<NoContent, NotFound, Conflict<ProblemDetails>>> (Guid id, InviteService service, CancellationToken ct) =>
            (await service.RevokeAsync(id, ct)).ToDeleteResult())
            .WithSummary("Revokes a pending invitation: its link stops working.");

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
