using GrocerySync.Hub.Data;
using GrocerySync.Hub.Data.Entities;
using GrocerySync.Hub.Tenancy;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace GrocerySync.Hub.Features.Users;

/// <summary>
/// A production hub has no default account. On a start without any platform admin, it issues a one-time setup link
/// (a setup invitation, valid for 24 hours) and writes it to the log; whoever opens it chooses the first platform
/// admin's email and password, and must then enroll two-factor sign-in. Each start without an admin issues a new link.
/// </summary>
internal static class FirstAdminSetup
{
    public static async Task PrepareAsync(WebApplication app, ILogger log)
    {
        await using var scope = app.Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<CurrentUser>().SetSystem();
        var db = scope.ServiceProvider.GetRequiredService<HubDbContext>();
        if (await db.Users.AnyAsync(u => u.Role == HubRole.PlatformAdmin, app.Lifetime.ApplicationStopping))
        {
            return;
        }

        var invites = scope.ServiceProvider.GetRequiredService<InviteService>();
        var token = await invites.IssueSetupTokenAsync(app.Lifetime.ApplicationStopping);
        var configured = app.Services.GetRequiredService<IOptions<HubOptions>>().Value.PublicBaseUrl;
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            var link = invites.LinkFor(token, configured ?? app.Urls.FirstOrDefault() ?? "http://localhost:5080");
            HubLog.FirstAdminSetupLink(log, link);
        });
    }
}
