using System.ComponentModel.DataAnnotations;
using GrocerySync.Hub.Features.Auth;
using GrocerySync.Hub.Security;
using Microsoft.AspNetCore.Components;

namespace GrocerySync.Hub.Components.Pages.Account;

/// <summary>The password step of a browser sign-in; the rules are <see cref="SignInService"/>'s, as for the token endpoint.</summary>
public sealed partial class SignIn
{
    [Inject]
    private SignInService SignInService { get; set; } = default!;

    [Inject]
    private BrowserSessions Sessions { get; set; } = default!;

    [Inject]
    private NavigationManager Navigation { get; set; } = default!;

    [CascadingParameter]
    private HttpContext HttpContext { get; set; } = default!;

    protected override void OnInitialized() => Input ??= new();

    [SupplyParameterFromForm]
    private SignInForm Input { get; set; } = default!;

    [SupplyParameterFromQuery]
    private string? ReturnUrl { get; set; }

    private string? Error { get; set; }

    private async Task SignInAsync()
    {
        var attempt = await SignInService.PasswordSignInAsync(Input.Email, Input.Password, null, null, "browser", HttpContext.RequestAborted);
        switch (attempt.Status)
        {
            case SignInStatus.Succeeded:
                await Sessions.SignInAsync(HttpContext, attempt.User!);
                Navigation.NavigateTo(BrowserSessions.SafeReturnUrl(ReturnUrl));
                break;
            case SignInStatus.TwoFactorRequired:
                await BrowserSessions.StartTwoFactorAsync(HttpContext, attempt.User!);
                Navigation.NavigateTo($"/account/sign-in/two-factor?returnUrl={Uri.EscapeDataString(BrowserSessions.SafeReturnUrl(ReturnUrl))}");
                break;
            case SignInStatus.TwoFactorSetupRequired:
                await BrowserSessions.SignInForEnrollmentAsync(HttpContext, attempt.User!);
                Navigation.NavigateTo("/account/two-factor");
                break;
            default:
                Error = "Sign-in failed: the email or password is wrong, or the account is locked or disabled.";
                break;
        }
    }

    internal sealed class SignInForm
    {
        [Required, EmailAddress, StringLength(256)]
        public string Email { get; set; } = string.Empty;

        [Required, StringLength(256)]
        public string Password { get; set; } = string.Empty;
    }
}
