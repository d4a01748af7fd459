using System.Net;
using System.Net.Http.Json;
using GrocerySync.Hub.Data;
using GrocerySync.Hub.Data.Entities;
using GrocerySync.Hub.Features.Users;
using GrocerySync.Hub.Security;
using GrocerySync.Hub.Tests.Features.Audit;
using GrocerySync.Hub.Tests.Infrastructure;

namespace GrocerySync.Hub.Tests.Hardening;

/// <summary>Sessions end when they should: sign-out everywhere, disabling, a role change, a replayed refresh token.</summary>
public sealed class SessionTests(HubApps apps)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory, DatabaseData]
    public async Task Disabling_a_user_ends_their_access_token_and_refresh_token_at_once(DatabaseProvider provider)
    {
        var app = await apps.GetAsync(provider);
        var tenant = await app.CreateTenantAsync();
        Assert.Equal(HttpStatusCode.OK, (await tenant.Technician.Client.GetAsync("/api/v1/jobs", Ct)).StatusCode);
        var technician = (await tenant.Admin.Client.GetFromJsonAsync<UserDto>($"/api/v1/users/{tenant.Technician.Id}", Ct))!;

        var disable = await tenant.Admin.Client.PutAsJsonAsync($"/api/v1/users/{technician.Id}", new { displayName = technician.DisplayName, role = technician.Role, disabled = true, version = technician.Version }, Ct);
        Assert.Equal(HttpStatusCode.OK, disable.StatusCode);

        // Well inside the 15 minutes the access token would still be valid for.
        Assert.Equal(HttpStatusCode.Unauthorized, (await tenant.Technician.Client.GetAsync("/api/v1/jobs", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.CreateClient().PostAsJsonAsync("/api/v1/auth/refresh", new { refreshToken = tenant.Technician.Tokens.RefreshToken }, Ct)).StatusCode);
        var types = (await AuditApiTests.ListAsync(tenant.Admin.Client, $"entityId={technician.Id}")).Select(e => e.Type);
        Assert.Contains(AuditEventType.UserDisabled, types);
    }

    [Theory, DatabaseData]
    public async Task A_role_change_ends_the_sessions_that_carry_the_old_role(DatabaseProvider provider)
    {
        var app = await apps.GetAsync(provider);
        var tenant = await app.CreateTenantAsync();
        var admin = await app.CreateUserAsync(HubRole.RetailerAdmin, tenant.RetailerId);
        var dto = (await tenant.Admin.Client.GetFromJsonAsync<UserDto>($"/api/v1/users/{admin.Id}", Ct))!;

        var demote = await tenant.Admin.Client.PutAsJsonAsync($"/api/v1/users/{admin.Id}", new { displayName = dto.DisplayName, role = "Technician", version = dto.Version }, Ct);
        Assert.Equal(HttpStatusCode.OK, demote.StatusCode);

        Assert.Equal(HttpStatusCode.Unauthorized, (await admin.Client.GetAsync("/api/v1/users", Ct)).StatusCode);
        var changed = Assert.Single(await AuditApiTests.ListAsync(tenant.Admin.Client, $"entityId={admin.Id}&type=UserRoleChanged"));
        Assert.Equal("RetailerAdmin", (string?)changed.Changes!["Role"]!["old"]);
        Assert.Equal("Technician", (string?)changed.Changes["Role"]!["new"]);
        Assert.Equal(tenant.Admin.Id, changed.ActorUserId);
    }

    [Theory, DatabaseData]
    public async Task Sign_out_everywhere_ends_every_session_of_the_user(DatabaseProvider provider)
    {
        var app = await apps.GetAsync(provider);
        var tenant = await app.CreateTenantAsync();
        var second = await app.SignInAsync(tenant.Technician.Email, null);

        Assert.Equal(HttpStatusCode.NoContent, (await tenant.Technician.Client.PostAsync("/api/v1/auth/sign-out-everywhere", null, Ct)).StatusCode);

        Assert.Equal(HttpStatusCode.Unauthorized, (await tenant.Technician.Client.GetAsync("/api/v1/jobs", Ct)).StatusCode);
        foreach (var refresh in new[] { tenant.Technician.Tokens.RefreshToken, second.RefreshToken })
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await app.CreateClient().PostAsJsonAsync("/api/v1/auth/refresh", new { refreshToken = refresh }, Ct)).StatusCode);
        }

        Assert.Equal(HttpStatusCode.OK, (await app.CreateClient().PostAsJsonAsync("/api/v1/auth/token", new { email = tenant.Technician.Email, password = HubApp.Password }, Ct)).StatusCode);
        Assert.Single(await AuditApiTests.ListAsync(tenant.Admin.Client, $"entityId={tenant.Technician.Id}&type=UserSignedOutEverywhere"));
    }

    [Theory, DatabaseData]
    public async Task Replaying_a_used_refresh_token_revokes_the_family_and_is_audited(DatabaseProvider provider)
    {
        var app = await apps.GetAsync(provider);
        var tenant = await app.CreateTenantAsync();
        var client = app.CreateClient();
        var rotated = (await (await client.PostAsJsonAsync("/api/v1/auth/refresh", new { refreshToken = tenant.Technician.Tokens.RefreshToken }, Ct)).Content.ReadFromJsonAsync<TokenPair>(Ct))!;

        Assert.Equal(HttpStatusCode.Unauthorized, (await client.PostAsJsonAsync("/api/v1/auth/refresh", new { refreshToken = tenant.Technician.Tokens.RefreshToken }, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.PostAsJsonAsync("/api/v1/auth/refresh", new { refreshToken = rotated.RefreshToken }, Ct)).StatusCode);

        var reuse = Assert.Single(await AuditApiTests.ListAsync(tenant.Admin.Client, $"entityId={tenant.Technician.Id}&type=UserRefreshTokenReuseDetected"));
        Assert.Equal(tenant.RetailerId, reuse.RetailerId);
        Assert.DoesNotContain(tenant.Technician.Tokens.RefreshToken, reuse.Changes!.ToJsonString(), StringComparison.Ordinal);
    }
}
