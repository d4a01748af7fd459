using GrocerySync.Hub.Features.Auth;
using GrocerySync.Hub.Security;
using GrocerySync.Hub.Tenancy;
using Microsoft.AspNetCore.Components;

namespace GrocerySync.Hub.Components.Pages.Account;

/// <summary>Ends this browser's session, or every session of the user ("sign out everywhere"). A form post, so no link can sign anybody out.</summary>
public sealed partial class SignOut
{
    [Inject]
    private SessionService SessionService { get; set; } = default!;

    [Inject]
    private SignInService SignInService { get; set; } = default!;

    [Inject]
    private CurrentUser Caller { get; set; } = default!;

    [Inject]
    private NavigationManager Navigation { get; set; } = default!;

    [CascadingParameter]
    private HttpContext HttpContext { get; set; } = default!;

    protected override void OnInitialized() => Input ??= new();

    [SupplyParameterFromForm]
    private SignOutForm Input { get; set; } = default!;

    private async Task SignOutAsync()
    {
        if (Caller.UserId is { } userId && await SignInService.FindAsync(userId, HttpContext.RequestAborted) is { } user)
        {
            if (Input.Everywhere)
            {
                await SessionService.SignOutEverywhereAsync(user.Id, HttpContext.RequestAborted);
            }
            else
            {
                await SessionService.RecordSignOutAsync(user, "browser", HttpContext.RequestAborted);
            }
        }

        await BrowserSessions.SignOutAsync(HttpContext);
        Navigation.NavigateTo("/account/sign-in");
    }

    internal sealed class SignOutForm
    {
        public bool Everywhere { get; set; }
    }
}
