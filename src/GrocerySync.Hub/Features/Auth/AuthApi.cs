using System.ComponentModel.DataAnnotations;
using GrocerySync.Hub.Data.Entities;
using GrocerySync.Hub.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace GrocerySync.Hub.Features.Auth;

public sealed record TokenRequest([property: Required, StringLength(256)] string Email, [property: Required, StringLength(256)] string Password);

public sealed record RefreshRequest([property: Required, StringLength(128)] string RefreshToken);

internal static class AuthApi
{
    public static RouteGroupBuilder MapAuthEndpoints(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/auth").WithTags("Auth").AllowAnonymous().RequireRateLimiting(RateLimits.SignIn);

        group.MapPost("/token", IssueToken)
            .WithSummary("Signs in with email and password and returns an access token and a refresh token.");
        group.MapPost("/refresh", Refresh)
            .WithSummary("Exchanges a refresh token for a new token pair; the old refresh token stops working.");
        group.MapPost("/revoke", Revoke)
            .WithSummary("Signs out: revokes the refresh token and every token rotated from the same sign-in.");
        return group;
    }

    private static async Task<Results<Ok<TokenPair>, ValidationProblem, ProblemHttpResult>> IssueToken(
        TokenRequest request, UserManager<HubUser> users, SignInManager<HubUser> signIn, TokenService tokens, CancellationToken ct)
    {
        // Unknown user, wrong password, locked out and disabled all answer the same: no account probing.
        var user = await users.Users.IgnoreQueryFilters().SingleOrDefaultAsync(u => u.NormalizedEmail == users.NormalizeEmail(request.Email), ct);
        if (user is null || user.Disabled)
        {
            return SignInFailed();
        }

        var result = await signIn.CheckPasswordSignInAsync(user, request.Password, lockoutOnFailure: true);
        return result.Succeeded ? TypedResults.Ok(await tokens.IssueAsync(user, ct)) : SignInFailed();
    }

    private static async Task<Results<Ok<TokenPair>, ProblemHttpResult>> Refresh(RefreshRequest request, TokenService tokens, CancellationToken ct) =>
        await tokens.RefreshAsync(request.RefreshToken, ct) is { } pair
            ? TypedResults.Ok(pair)
            : TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "The refresh token is not valid.");

    private static async Task<NoContent> Revoke(RefreshRequest request, TokenService tokens, CancellationToken ct)
    {
        await tokens.RevokeAsync(request.RefreshToken, ct);
        return TypedResults.NoContent();
    }

    private static ProblemHttpResult SignInFailed() =>
        TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Sign-in failed.", detail: "The email or password is wrong, or the account is locked or disabled.");
}
