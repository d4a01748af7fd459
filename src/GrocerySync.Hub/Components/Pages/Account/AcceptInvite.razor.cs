using GrocerySync.Hub.Api;
using GrocerySync.Hub.Features.Users;
using Microsoft.AspNetCore.Components;

namespace GrocerySync.Hub.Components.Pages.Account;

/// <summary>The page an invitation link (or the first-admin setup link) opens: the invitee chooses a password, the link is used up.</summary>
public sealed partial class AcceptInvite
{
    [Inject]
    private InviteService Invites { get; set; } = default!;

    [CascadingParameter]
    private HttpContext HttpContext { get; set; } = default!;

    [SupplyParameterFromQuery(Name = "token")]
    private string? QueryToken { get; set; }

    [SupplyParameterFromForm]
    private AcceptForm Input { get; set; } = default!;

    private string? Token => Input.Token ?? QueryToken;

    private InvitePreview? Preview { get; set; }

    private AcceptedInviteDto? Accepted { get; set; }

    private IReadOnlyList<string> Errors { get; set; } = [];

    protected override async Task OnInitializedAsync()
    {
        Input ??= new();
        Preview = string.IsNullOrEmpty(Token) ? null : await Invites.PreviewAsync(Token, HttpContext.RequestAborted);
    }

    private async Task AcceptAsync()
    {
        if (Preview is null || Token is null)
        {
            return;
        }

        var outcome = await Invites.AcceptAsync(new AcceptInviteRequest
        {
            Token = Token,
            Password = Input.Password ?? string.Empty,
            Email = string.IsNullOrWhiteSpace(Input.Email) ? null : Input.Email,
            DisplayName = string.IsNullOrWhiteSpace(Input.DisplayName) ? null : Input.DisplayName,
        }, HttpContext.RequestAborted);
        if (outcome.Kind == OutcomeKind.Ok)
        {
            Accepted = outcome.Value;
        }
        else
        {
            Errors = [.. outcome.Errors?.Values.SelectMany(v => v) ?? []];
        }
    }

    internal sealed class AcceptForm
    {
        public string? Token { get; set; }

        public string? Email { get; set; }

        public string? DisplayName { get; set; }

        public string? Password { get; set; }
    }
}
