using System.Net;
using System.Net.Http.Json;
using GrocerySync.Hub.Data;
using GrocerySync.Hub.Data.Entities;
using GrocerySync.Hub.Security;
using GrocerySync.Hub.Tests.Infrastructure;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace GrocerySync.Hub.Tests.Hardening;

public sealed class SignInAndTokenTests(HubApps apps)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory, DatabaseData]
    public async Task Unknown_user_and_wrong_password_get_the_same_answer(DatabaseProvider provider)
    {
        var app = await apps.GetAsync(provider);
        var tenant = await app.CreateTenantAsync();
        var client = app.CreateClient();

        var unknown = await client.PostAsJsonAsync("/api/v1/auth/token", new { email = "nobody@test.grocerysync.test", password = HubApp.Password }, Ct);
        var wrong = await client.PostAsJsonAsync("/api/v1/auth/token", new { email = tenant.Admin.Email, password = "Wrong-Password-123" }, Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Equal(await unknown.Content.ReadAsStringAsync(Ct) is var a ? Without(a, "traceId") : null, Without(await wrong.Content.ReadAsStringAsync(Ct), "traceId"));
    }

    [Theory, DatabaseData]
    public async Task Five_wrong_passwords_lock_the_account(DatabaseProvider provider)
    {
        var app = await apps.GetAsync(provider);
        var tenant = await app.CreateTenantAsync();
        var client = app.CreateClient();

        for (var i = 0; i < 4; i++)
        {
            await client.PostAsJsonAsync("/api/v1/auth/token", new { email = tenant.Technician.Email, password = "Wrong-Password-123" }, Ct);
        }

        var beforeLockout = await client.PostAsJsonAsync("/api/v1/auth/token", new { email = tenant.Technician.Email, password = HubApp.Password }, Ct);
        Assert.Equal(HttpStatusCode.OK, beforeLockout.StatusCode);

        for (var i = 0; i < 5; i++)
        {
            await client.PostAsJsonAsync("/api/v1/auth/token", new { email = tenant.Technician.Email, password = "Wrong-Password-123" }, Ct);
        }

        var afterLockout = await client.PostAsJsonAsync("/api/v1/auth/token", new { email = tenant.Technician.Email, password = HubApp.Password }, Ct);
        Assert.Equal(HttpStatusCode.Unauthorized, afterLockout.StatusCode);
    }

    [Theory, DatabaseData]
    public async Task A_refresh_token_works_once_and_its_reuse_revokes_the_whole_family(DatabaseProvider provider)
    {
        var app = await apps.GetAsync(provider);
        var tenant = await app.CreateTenantAsync();
        var client = app.CreateClient();
        var first = tenant.Admin.Tokens.RefreshToken;

        var rotated = await client.PostAsJsonAsync("/api/v1/auth/refresh", new { refreshToken = first }, Ct);
        Assert.Equal(HttpStatusCode.OK, rotated.StatusCode);
        var second = (await rotated.Content.ReadFromJsonAsync<TokenPair>(Ct))!.RefreshToken;
        Assert.NotEqual(first, second);

        var reuse = await client.PostAsJsonAsync("/api/v1/auth/refresh", new { refreshToken = first }, Ct);
        Assert.Equal(HttpStatusCode.Unauthorized, reuse.StatusCode);

        // The replay of the old token ended the session it was copied from, too.
        var afterReuse = await client.PostAsJsonAsync("/api/v1/auth/refresh", new { refreshToken = second }, Ct);
        Assert.Equal(HttpStatusCode.Unauthorized, afterReuse.StatusCode);
    }

    [Theory, DatabaseData]
    public async Task A_disabled_user_cannot_refresh(DatabaseProvider provider)
    {
        var app = await apps.GetAsync(provider);
        var tenant = await app.CreateTenantAsync();
        await app.WithDbAsync(db => db.Users.Where(u => u.Id == tenant.Technician.Id).ExecuteUpdateAsync(s => s.SetProperty(u => u.Disabled, true), Ct));

        var refresh = await app.CreateClient().PostAsJsonAsync("/api/v1/auth/refresh", new { refreshToken = tenant.Technician.Tokens.RefreshToken }, Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, refresh.StatusCode);
    }

    [Theory, DatabaseData]
    public async Task Sign_out_revokes_the_refresh_token(DatabaseProvider provider)
    {
        var app = await apps.GetAsync(provider);
        var tenant = await app.CreateTenantAsync();
        var client = app.CreateClient();

        var signOut = await client.PostAsJsonAsync("/api/v1/auth/revoke", new { refreshToken = tenant.Admin.Tokens.RefreshToken }, Ct);
        var refresh = await client.PostAsJsonAsync("/api/v1/auth/refresh", new { refreshToken = tenant.Admin.Tokens.RefreshToken }, Ct);

        Assert.Equal(HttpStatusCode.NoContent, signOut.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, refresh.StatusCode);
    }

    [Theory]
    [InlineData("password1234", true)]
    [InlineData("Password2024!", true)]
    [InlineData("!!qwerty123456", true)]
    [InlineData("Correct-Horse-Battery-9", false)]
    [InlineData("GrocerySync-Demo-2026!", false)]
    public void Common_passwords_and_their_decorated_forms_are_refused(string password, bool common) =>
        Assert.Equal(common, CommonPasswordValidator.IsCommon(password));

    [Fact]
    public async Task A_common_password_is_refused_when_a_user_is_created()
    {
        var app = await apps.GetAsync(DatabaseProvider.Sqlite);
        await using var scope = app.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<HubUser>>();
        var email = $"common-{Guid.NewGuid():N}@test.grocerysync.test";

        var result = await users.CreateAsync(new HubUser { UserName = email, Email = email, DisplayName = "Common", Role = HubRole.Technician }, "Password12345!");

        Assert.Contains(result.Errors, e => e.Code == "CommonPassword");
    }

    private static string Without(string json, string property) =>
        System.Text.RegularExpressions.Regex.Replace(json, $"\"{property}\":\"[^\"]*\"", string.Empty);
}
