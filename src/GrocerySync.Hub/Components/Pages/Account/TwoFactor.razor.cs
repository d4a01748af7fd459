using GrocerySync.Hub.Api;
using GrocerySync.Hub.Data.Entities;
using GrocerySync.Hub.Features.Auth;
using GrocerySync.Hub.Security;
using GrocerySync.Hub.Tenancy;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Identity;

namespace GrocerySync.Hub.Components.Pages.Account;

/// <summary>Enrolls an authenticator (QR code made on the server, and the key), shows recovery codes once, regenerates them, turns two-factor sign-in off where allowed.</summary>
public sealed partial class TwoFactor
{
    [Inject]
    private TwoFactorService TwoFactorService { get; set; } = default!;

    [Inject]
    private SignInService SignInService { get; set; } = default!;

    [Inject]
    private UserManager<HubUser> Users { get; set; } = default!;

    [Inject]
    private BrowserSessions Sessions { get; set; } = default!;

    [Inject]
    private CurrentUser Caller { get; set; } = default!;

    [CascadingParameter]
    private HttpContext HttpContext { get; set; } = default!;

    [SupplyParameterFromForm]
    private CodeForm Input { get; set; } = default!;

    private AccountDto? Account { get; set; }

    private TwoFactorSetupDto? Setup { get; set; }

    private IReadOnlyList<string>? RecoveryCodes { get; set; }

    private string? Message { get; set; }

    private string? Error { get; set; }

    private HubUser? User { get; set; }

    protected override async Task OnInitializedAsync()
    {
        Input ??= new();
        User = await SignInService.FindAsync(Caller.UserId!.Value, HttpContext.RequestAborted);
        await LoadAsync();
        if (Account is { TwoFactorEnabled: false } && User is not null && HttpMethods.IsGet(HttpContext.Request.Method))
        {
            // Each visit shows a fresh key; it counts only once a code from it turns two-factor sign-in on.
            Setup = (await TwoFactorService.SetupAsync(User)).Value;
        }
        else if (Account is { TwoFactorEnabled: false } && User is not null)
        {
            var key = await Users.GetAuthenticatorKeyAsync(User);
            if (key is not null)
            {
                var uri = TwoFactorService.AuthenticatorUri(User.Email ?? User.Id.ToString(), key);
                Setup = new TwoFactorSetupDto(key, uri, TwoFactorService.QrCodePng(uri));
            }
        }
    }

    private async Task EnableAsync()
    {
        var outcome = await TwoFactorService.EnableAsync(User!, Input.Code ?? string.Empty, HttpContext.RequestAborted);
        if (Show(outcome) is { } codes)
        {
            // Password and a code from the new authenticator: a full session from now on, on the new security stamp.
            await Sessions.SignInAsync(HttpContext, User!);
            RecoveryCodes = codes.RecoveryCodes;
            Message = "Two-factor sign-in is on. Your other sessions were signed out.";
        }
    }

    private async Task RegenerateAsync()
    {
        if (Show(await TwoFactorService.RegenerateRecoveryCodesAsync(User!, Input.Code ?? string.Empty)) is { } codes)
        {
            RecoveryCodes = codes.RecoveryCodes;
        }
    }

    private async Task DisableAsync()
    {
        var outcome = await TwoFactorService.DisableAsync(User!, Input.Code ?? string.Empty, HttpContext.RequestAborted);
        if (Show(outcome))
        {
            await Sessions.SignInAsync(HttpContext, User!);
            Message = "Two-factor sign-in is off.";
            await LoadAsync();
        }
    }

    private async Task LoadAsync() =>
        Account = User is null ? null : await TwoFactorService.DescribeAsync(User, HttpContext.RequestAborted);

    private T? Show<T>(Outcome<T> outcome)
    {
        Error = outcome.Kind == OutcomeKind.Ok ? null : string.Join(" ", outcome.Errors?.Values.SelectMany(v => v) ?? []);
        return outcome.Kind == OutcomeKind.Ok ? outcome.Value : default;
    }

    internal sealed class CodeForm
    {
        public string? Code { get; set; }
    }
}
