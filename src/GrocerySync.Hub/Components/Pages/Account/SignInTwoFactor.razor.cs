using GrocerySync.Hub.Features.Auth;
using GrocerySync.Hub.Security;
using Microsoft.AspNetCore.Components;

namespace GrocerySync.Hub.Components.Pages.Account;

/// <summary>The second step of a browser sign-in: an authenticator code or a recovery code, within five minutes of the password.</summary>
public sealed partial class SignInTwoFactor
{
    [Inject]
    private SignInService SignInService { get; set; } = default!;

    [Inject]
    private BrowserSessions Sessions { get; set; } = default!;

    [Inject]
    private NavigationManager Navigation { get; set; } = default!;

    [CascadingParameter]
    private HttpContext HttpContext { get; set; } = default!;

    [SupplyParameterFromForm]
    private CodeForm Input { get; set; } = default!;

    [SupplyParameterFromQuery]
    private string? ReturnUrl { get; set; }

    private string? Error { get; set; }

    protected override async Task OnInitializedAsync()
    {
        Input ??= new();
        if (await BrowserSessions.PendingTwoFactorAsync(HttpContext) is null)
        {
            Navigation.NavigateTo("/account/sign-in");
        }
    }

    private async Task VerifyAsync()
    {
        var pending = await BrowserSessions.PendingTwoFactorAsync(HttpContext);
        var user = pending is { } p ? await SignInService.FindAsync(p.UserId, HttpContext.RequestAborted) : null;
        if (user is null || user.SecurityStamp != pending!.Value.Stamp)
        {
            await BrowserSessions.SignOutAsync(HttpContext);
            Navigation.NavigateTo("/account/sign-in");
            return;
        }

        var attempt = await SignInService.SecondFactorAsync(user, Input.Code, Input.RecoveryCode, "browser", HttpContext.RequestAborted);
        switch (attempt.Status)
        {
            case SignInStatus.Succeeded:
                await Sessions.SignInAsync(HttpContext, user);
                Navigation.NavigateTo(BrowserSessions.SafeReturnUrl(ReturnUrl));
                break;
            case SignInStatus.TwoFactorFailed:
                Error = "The code is wrong. Enter the current code of your authenticator app, or a recovery code.";
                break;
            default:
                await BrowserSessions.SignOutAsync(HttpContext);
                Error = "Sign-in failed: the account is locked or disabled.";
                break;
        }
    }

    internal sealed class CodeForm
    {
        public string? Code { get; set; }

        public string? RecoveryCode { get; set; }
    }
}
