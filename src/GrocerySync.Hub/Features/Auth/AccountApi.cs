using GrocerySync.Hub.Api;
using GrocerySync.Hub.Security;
using GrocerySync.Hub.Tenancy;
using Microsoft.AspNetCore.Http.HttpResults;

namespace GrocerySync.Hub.Features.Auth;

/// <summary>The caller's own account and two-factor sign-in. Enrollment endpoints also admit the restricted enrollment session.</summary>
internal static class AccountApi
{
    public static RouteGroupBuilder MapAccountEndpoints(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/account").WithTags("Account").RequireAuthorization(Policies.TwoFactorEnrollment);

        group.MapGet("/", async Task<Results<Ok<AccountDto>, NotFound>> (CurrentUser caller, SignInService signIn, TwoFactorService twoFactor, CancellationToken ct) =>
                await signIn.FindAsync(caller.UserId!.Value, ct) is { } user ? TypedResults.Ok(await twoFactor.DescribeAsync(user, ct)) : TypedResults.NotFound())
            .WithSummary("The caller's account: role, retailer, and whether two-factor sign-in is on and required.");

        group.MapPost("/two-factor/setup", async Task<Results<Ok<TwoFactorSetupDto>, ValidationProblem, NotFound>> (CurrentUser caller, SignInService signIn, TwoFactorService twoFactor, CancellationToken ct) =>
                await signIn.FindAsync(caller.UserId!.Value, ct) is { } user ? ToResult(await twoFactor.SetupAsync(user)) : TypedResults.NotFound())
            .WithSummary("Starts enrolling an authenticator app: a new key as QR code (PNG data URI), otpauth URI and text. Two-factor sign-in stays off until /enable confirms a code.");

        group.MapPost("/two-factor/enable", async Task<Results<Ok<RecoveryCodesDto>, ValidationProblem, NotFound>> (TwoFactorCodeRequest request, CurrentUser caller, SignInService signIn, TwoFactorService twoFactor, CancellationToken ct) =>
                await signIn.FindAsync(caller.UserId!.Value, ct) is { } user ? ToResult(await twoFactor.EnableAsync(user, request.Code, ct)) : TypedResults.NotFound())
            .WithSummary("Turns two-factor sign-in on with a first code and answers 10 recovery codes, shown only now. Ends the caller's sessions: sign in again with a code.");

        var fullSession = group.MapGroup("/two-factor").RequireAuthorization(Policies.AnyUser);
        fullSession.MapPost("/disable", async Task<Results<NoContent, ValidationProblem, NotFound>> (TwoFactorCodeRequest request, CurrentUser caller, SignInService signIn, TwoFactorService twoFactor, CancellationToken ct) =>
            {
                if (await signIn.FindAsync(caller.UserId!.Value, ct) is not { } user)
                {
                    return TypedResults.NotFound();
                }

                var outcome = await twoFactor.DisableAsync(user, request.Code, ct);
                return outcome.Kind == OutcomeKind.Ok ? TypedResults.NoContent() : TypedResults.ValidationProblem(outcome.Errors!);
            })
            .WithSummary("Turns two-factor sign-in off with a current code, unless the account must use it (platform admins, retailers whose policy requires it).");

        fullSession.MapPost("/recovery-codes", async Task<Results<Ok<RecoveryCodesDto>, ValidationProblem, NotFound>> (TwoFactorCodeRequest request, CurrentUser caller, SignInService signIn, TwoFactorService twoFactor, CancellationToken ct) =>
                await signIn.FindAsync(caller.UserId!.Value, ct) is { } user ? ToResult(await twoFactor.RegenerateRecoveryCodesAsync(user, request.Code)) : TypedResults.NotFound())
            .WithSummary("Replaces the recovery codes with 10 new ones, shown only now; needs a current code.");

        return group;
    }

    private static Results<Ok<T>, ValidationProblem, NotFound> ToResult<T>(Outcome<T> outcome) =>
        outcome.Kind == OutcomeKind.Ok ? TypedResults.Ok(outcome.Value!) : TypedResults.ValidationProblem(outcome.Errors!);
}
