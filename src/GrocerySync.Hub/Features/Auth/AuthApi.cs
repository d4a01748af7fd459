using GrocerySync.Hub.Data;
using GrocerySync.Hub.Data.Entities;
using GrocerySync.Hub.Api;
using GrocerySync.Hub.Features.Audit;
using GrocerySync.Hub.Features.Users;
using GrocerySync.Hub.Security;
using GrocerySync.Hub.Tenancy;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace GrocerySync.Hub.Features.Auth;

internal static class AuthApi
{
    public static IServiceCollection AddAuth(this IServiceCollection services)
    {
        services.AddScoped<SignInService>();
        services.AddScoped<TwoFactorService>();
        services.AddScoped<SessionService>();
        services.AddScoped<KeyRotation>();
        services.AddSingleton<IValidateOptions<HubOptions>, HubOptionsValidator>();
        return services;
    }

    /// <summary>Platform operations on the hub's own keys.</summary>
    public static RouteGroupBuilder MapSecurityEndpoints(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/security").WithTags("Security").RequireAuthorization(Policies.PlatformAdmin);
        group.MapPost("/rotate-keys", async Task<Ok<KeyRotationDto>> (KeyRotation rotation, CancellationToken ct) => TypedResults.Ok(await rotation.RotateAsync(ct)))
            .WithSummary("Rotates the keys protecting stored secrets: a new Data Protection key, every secret re-encrypted with it, every key-ring entry re-encrypted with the current master key. Nothing stored is lost. See docs/security.md.");
        return group;
    }

    public static RouteGroupBuilder MapAuthEndpoints(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/auth").WithTags("Auth");
        var anonymous = group.MapGroup(string.Empty).AllowAnonymous().RequireRateLimiting(RateLimits.SignIn);

        anonymous.MapPost("/token", IssueToken)
            .WithSummary("Signs in with email and password (and the authenticator or a recovery code for two-factor accounts) and returns an access token and a refresh token.")
            .WithDescription("401 with twoFactorRequired=true: send the request again with twoFactorCode or recoveryCode. 403 with an enrollmentToken: the account must set up two-factor sign-in first; that token only reaches /api/v1/account.");
        anonymous.MapPost("/refresh", Refresh)
            .WithSummary("Exchanges a refresh token for a new token pair; the old refresh token stops working, and presenting it again ends the whole session.");
        anonymous.MapPost("/revoke", Revoke)
            .WithSummary("Signs out: revokes the refresh token and every token rotated from the same sign-in.");
        anonymous.MapPost("/invites/accept", async Task<Results<Ok<AcceptedInviteDto>, ValidationProblem>> (AcceptInviteRequest request, InviteService invites, CancellationToken ct) =>
            {
                var accepted = await invites.AcceptAsync(request, ct);
                return accepted.Kind == OutcomeKind.Ok ? TypedResults.Ok(accepted.Value!) : TypedResults.ValidationProblem(accepted.Errors!);
            })
            .WithSummary("Accepts an invitation (or the first-admin setup link): sets the new account's password. The link works once; then sign in with POST /auth/token.");

        group.MapPost("/sign-out-everywhere", SignOutEverywhere)
            .RequireAuthorization(Policies.AnyUser)
            .WithSummary("Ends every session of the caller: all refresh tokens, browser sessions and (within 30 seconds) access tokens.");
        return group;
    }

    private static async Task<Results<Ok<TokenPair>, ProblemHttpResult>> IssueToken(TokenRequest request, SignInService signIn, TokenService tokens, CancellationToken ct)
    {
        var attempt = await signIn.PasswordSignInAsync(request.Email, request.Password, request.TwoFactorCode, request.RecoveryCode, "api", ct);
        switch (attempt.Status)
        {
            case SignInStatus.Succeeded:
                return TypedResults.Ok(await tokens.IssueAsync(attempt.User!, ct));
            case SignInStatus.TwoFactorRequired or SignInStatus.TwoFactorFailed:
                return TypedResults.Problem(
                    statusCode: StatusCodes.Status401Unauthorized,
                    title: attempt.Status == SignInStatus.TwoFactorRequired ? "Two-factor code required." : "The two-factor code is wrong.",
                    detail: "Send the request again with twoFactorCode (the current code of your authenticator app) or recoveryCode.",
                    extensions: new Dictionary<string, object?> { ["twoFactorRequired"] = true });
            case SignInStatus.TwoFactorSetupRequired:
                var (token, expires) = tokens.IssueEnrollmentToken(attempt.User!);
                return TypedResults.Problem(
                    statusCode: StatusCodes.Status403Forbidden,
                    title: "Two-factor sign-in must be set up first.",
                    detail: "This account must use two-factor sign-in. With enrollmentToken as bearer token, call POST /api/v1/account/two-factor/setup and then /enable, then sign in again with the code.",
                    extensions: new Dictionary<string, object?> { ["twoFactorSetupRequired"] = true, ["enrollmentToken"] = token, ["enrollmentTokenExpiresAt"] = expires });
            default:
                // Unknown user, wrong password, locked out and disabled all answer the same: no account probing.
                return TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Sign-in failed.", detail: "The email or password is wrong, or the account is locked or disabled.");
        }
    }

    private static async Task<Results<Ok<TokenPair>, ProblemHttpResult>> Refresh(RefreshRequest request, TokenService tokens, CancellationToken ct) =>
        await tokens.RefreshAsync(request.RefreshToken, ct) is { } pair
            ? TypedResults.Ok(pair)
            : TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "The refresh token is not valid.");

    private static async Task<NoContent> Revoke(RefreshRequest request, SessionService sessions, CancellationToken ct)
    {
        await sessions.SignOutAsync(request.RefreshToken, ct);
        return TypedResults.NoContent();
    }

    private static async Task<NoContent> SignOutEverywhere(SessionService sessions, CurrentUser caller, CancellationToken ct)
    {
        await sessions.SignOutEverywhereAsync(caller.UserId!.Value, ct);
        return TypedResults.NoContent();
    }
}

/// <summary>Ending sessions: one (sign-out) or all of a user's (sign-out everywhere), for the API and the pages alike.</summary>
internal sealed class SessionService(HubDbContext db, UserManager<HubUser> users, TokenService tokens, SessionValidator sessions, AuditLog audit)
{
    /// <summary>Revokes a refresh token's family and records the sign-out; unknown or revoked tokens change nothing.</summary>
    public async Task SignOutAsync(string refreshToken, CancellationToken ct)
    {
        if (await tokens.RevokeAsync(refreshToken, ct) is { } userId && await db.Users.IgnoreQueryFilters().SingleOrDefaultAsync(u => u.Id == userId, ct) is { } user)
        {
            await RecordSignOutAsync(user, "api", ct);
        }
    }

    /// <summary>Records a browser sign-out (the cookie is removed by the page).</summary>
    public async Task RecordSignOutAsync(HubUser user, string client, CancellationToken ct)
    {
        audit.Record(AuditEventType.UserSignedOut, "User", user.Id, user.RetailerId, new System.Text.Json.Nodes.JsonObject { ["Client"] = client }, new AuditActor(user.Id, user.DisplayName));
        await db.SaveChangesAsync(ct);
    }

    /// <summary>A new security stamp ends every cookie and access token; every refresh token is revoked.</summary>
    public async Task SignOutEverywhereAsync(Guid userId, CancellationToken ct)
    {
        var user = await db.Users.IgnoreQueryFilters().SingleOrDefaultAsync(u => u.Id == userId, ct);
        if (user is null)
        {
            return;
        }

        await tokens.RevokeAllAsync(user.Id, ct);
        audit.Record(AuditEventType.UserSignedOutEverywhere, "User", user.Id, user.RetailerId);
        await users.UpdateSecurityStampAsync(user);
        sessions.Forget(user.Id);
    }
}
