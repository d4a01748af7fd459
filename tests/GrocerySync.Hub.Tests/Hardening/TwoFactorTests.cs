using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using GrocerySync.Hub.Data;
using GrocerySync.Hub.Data.Entities;
using GrocerySync.Hub.Features.Auth;
using GrocerySync.Hub.Security;
using GrocerySync.Hub.Tests.Features;
using GrocerySync.Hub.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace GrocerySync.Hub.Tests.Hardening;

/// <summary>TOTP two-factor sign-in: required for platform admins, optional per retailer policy, in the token endpoint.</summary>
public sealed class TwoFactorTests(HubApps apps)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory, DatabaseData]
    public async Task Platform_admins_must_enroll_totp_before_they_get_a_session(DatabaseProvider provider)
    {
        var app = await apps.GetAsync(provider);
        var admin = await app.CreateUserAsync(HubRole.PlatformAdmin, null, twoFactor: false, signIn: false);
        await app.WithDbAsync(db => db.Users.Where(u => u.Id == admin.Id).ExecuteUpdateAsync(s => s.SetProperty(u => u.TwoFactorEnabled, false), Ct));
        var anonymous = app.CreateClient();

        // The right password alone: no session, only a token that can enroll.
        var first = await anonymous.PostAsJsonAsync("/api/v1/auth/token", new { email = admin.Email, password = HubApp.Password }, Ct);
        Assert.Equal(HttpStatusCode.Forbidden, first.StatusCode);
        using var problem = JsonDocument.Parse(await first.Content.ReadAsStringAsync(Ct));
        Assert.True(problem.RootElement.GetProperty("twoFactorSetupRequired").GetBoolean());
        Assert.False(problem.RootElement.TryGetProperty("accessToken", out _));
        var enrollment = app.CreateClient();
        enrollment.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", problem.RootElement.GetProperty("enrollmentToken").GetString());

        // The enrollment token reaches the account's enrollment endpoints and nothing else.
        Assert.Equal(HttpStatusCode.Forbidden, (await enrollment.GetAsync("/api/v1/retailers", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await enrollment.PostAsJsonAsync("/api/v1/account/two-factor/disable", new { code = "123456" }, Ct)).StatusCode);
        var account = await enrollment.GetFromJsonAsync<AccountDto>("/api/v1/account", Ct);
        Assert.True(account!.TwoFactorRequired);
        Assert.False(account.TwoFactorEnabled);

        var setup = (await (await enrollment.PostAsync("/api/v1/account/two-factor/setup", null, Ct)).Content.ReadFromJsonAsync<TwoFactorSetupDto>(Ct))!;
        Assert.StartsWith("data:image/png;base64,", setup.QrCodePng, StringComparison.Ordinal);
        Assert.StartsWith("otpauth://totp/", setup.AuthenticatorUri, StringComparison.Ordinal);
        var key = setup.SharedKey.Replace(" ", string.Empty, StringComparison.Ordinal);
        Assert.Contains($"secret={key.ToUpperInvariant()}", setup.AuthenticatorUri, StringComparison.OrdinalIgnoreCase);

        var wrong = await enrollment.PostAsJsonAsync("/api/v1/account/two-factor/enable", new { code = WrongCode(key) }, Ct);
        Assert.Equal(HttpStatusCode.BadRequest, wrong.StatusCode);
        var enabled = await enrollment.PostAsJsonAsync("/api/v1/account/two-factor/enable", new { code = Totp.Code(key) }, Ct);
        Assert.Equal(HttpStatusCode.OK, enabled.StatusCode);
        var codes = (await enabled.Content.ReadFromJsonAsync<RecoveryCodesDto>(Ct))!.RecoveryCodes;
        Assert.Equal(10, codes.Count);

        // Turning it on changed the security stamp: the enrollment token is spent.
        Assert.Equal(HttpStatusCode.Unauthorized, (await enrollment.GetAsync("/api/v1/account", Ct)).StatusCode);

        var withoutCode = await anonymous.PostAsJsonAsync("/api/v1/auth/token", new { email = admin.Email, password = HubApp.Password }, Ct);
        Assert.Equal(HttpStatusCode.Unauthorized, withoutCode.StatusCode);
        Assert.True(JsonDocument.Parse(await withoutCode.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("twoFactorRequired").GetBoolean());
        var withCode = await anonymous.PostAsJsonAsync("/api/v1/auth/token", new { email = admin.Email, password = HubApp.Password, twoFactorCode = Totp.Code(key) }, Ct);
        Assert.Equal(HttpStatusCode.OK, withCode.StatusCode);

        // A platform admin cannot turn it off again.
        var session = app.CreateClient();
        session.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", (await withCode.Content.ReadFromJsonAsync<TokenPair>(Ct))!.AccessToken);
        var disable = await session.PostAsJsonAsync("/api/v1/account/two-factor/disable", new { code = Totp.Code(key) }, Ct);
        Assert.Contains("Platform admins must use", Assert.Single((await disable.ReadFieldErrorsAsync())["code"]), StringComparison.Ordinal);

        // A recovery code signs in once; it is stored only as a hash.
        var recovery = await anonymous.PostAsJsonAsync("/api/v1/auth/token", new { email = admin.Email, password = HubApp.Password, recoveryCode = codes[0] }, Ct);
        Assert.Equal(HttpStatusCode.OK, recovery.StatusCode);
        var again = await anonymous.PostAsJsonAsync("/api/v1/auth/token", new { email = admin.Email, password = HubApp.Password, recoveryCode = codes[0] }, Ct);
        Assert.Equal(HttpStatusCode.Unauthorized, again.StatusCode);
        var stored = await app.QueryDbAsync(db => db.UserTokens.Where(t => t.UserId == admin.Id).Select(t => t.Value).ToListAsync(Ct));
        Assert.All(codes, code => Assert.DoesNotContain(stored, v => v != null && v.Contains(code, StringComparison.OrdinalIgnoreCase)));
        Assert.DoesNotContain(stored, v => v != null && v.Contains(key, StringComparison.OrdinalIgnoreCase));
    }

    [Theory, DatabaseData]
    public async Task A_retailers_policy_requires_two_factor_for_its_users_and_it_stays_optional_elsewhere(DatabaseProvider provider)
    {
        var app = await apps.GetAsync(provider);
        var strict = await app.CreateTenantAsync();
        var relaxed = await app.CreateTenantAsync();

        var policy = await strict.Admin.Client.PutAsJsonAsync($"/api/v1/retailers/{strict.RetailerId}/two-factor-policy", new { requireTwoFactor = true }, Ct);
        Assert.Equal(HttpStatusCode.OK, policy.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await relaxed.Admin.Client.PutAsJsonAsync($"/api/v1/retailers/{strict.RetailerId}/two-factor-policy", new { requireTwoFactor = false }, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await strict.Technician.Client.PutAsJsonAsync($"/api/v1/retailers/{strict.RetailerId}/two-factor-policy", new { requireTwoFactor = false }, Ct)).StatusCode);

        Assert.Equal(HttpStatusCode.Forbidden, await StatusOfSignInAsync(app, strict.Technician.Email));
        Assert.Equal(HttpStatusCode.OK, await StatusOfSignInAsync(app, relaxed.Technician.Email));

        // A user of a relaxed retailer may turn it on, and off again.
        var setup = (await (await relaxed.Technician.Client.PostAsync("/api/v1/account/two-factor/setup", null, Ct)).Content.ReadFromJsonAsync<TwoFactorSetupDto>(Ct))!;
        var key = setup.SharedKey.Replace(" ", string.Empty, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await relaxed.Technician.Client.PostAsJsonAsync("/api/v1/account/two-factor/enable", new { code = Totp.Code(key) }, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusOfSignInAsync(app, relaxed.Technician.Email));
        var tokens = await app.SignInAsync(relaxed.Technician.Email, key);
        var client = app.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", tokens.AccessToken);
        Assert.Equal(HttpStatusCode.NoContent, (await client.PostAsJsonAsync("/api/v1/account/two-factor/disable", new { code = Totp.Code(key) }, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, await StatusOfSignInAsync(app, relaxed.Technician.Email));
    }

    [Theory, DatabaseData]
    public async Task Wrong_second_factors_count_toward_the_lockout(DatabaseProvider provider)
    {
        var app = await apps.GetAsync(provider);
        var tenant = await app.CreateTenantAsync();
        var user = await app.CreateUserAsync(HubRole.Technician, tenant.RetailerId, twoFactor: true);
        var anonymous = app.CreateClient();

        for (var i = 0; i < 5; i++)
        {
            var attempt = await anonymous.PostAsJsonAsync("/api/v1/auth/token", new { email = user.Email, password = HubApp.Password, twoFactorCode = WrongCode(user.AuthenticatorKey!) }, Ct);
            Assert.Equal(HttpStatusCode.Unauthorized, attempt.StatusCode);
        }

        var locked = await anonymous.PostAsJsonAsync("/api/v1/auth/token", new { email = user.Email, password = HubApp.Password, twoFactorCode = Totp.Code(user.AuthenticatorKey!) }, Ct);
        Assert.Equal(HttpStatusCode.Unauthorized, locked.StatusCode);
        Assert.Equal("Sign-in failed.", JsonDocument.Parse(await locked.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("title").GetString());
    }

    [Theory, DatabaseData]
    public async Task An_admin_resets_a_lost_authenticator_and_the_users_sessions_end(DatabaseProvider provider)
    {
        var app = await apps.GetAsync(provider);
        var tenant = await app.CreateTenantAsync();
        var user = await app.CreateUserAsync(HubRole.Technician, tenant.RetailerId, twoFactor: true);
        var other = await app.CreateTenantAsync();

        Assert.Equal(HttpStatusCode.NotFound, (await other.Admin.Client.PostAsync($"/api/v1/users/{user.Id}/two-factor/reset", null, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await tenant.Technician.Client.PostAsync($"/api/v1/users/{user.Id}/two-factor/reset", null, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await tenant.Admin.Client.PostAsync($"/api/v1/users/{user.Id}/two-factor/reset", null, Ct)).StatusCode);

        Assert.Equal(HttpStatusCode.Unauthorized, (await user.Client.GetAsync("/api/v1/account", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.CreateClient().PostAsJsonAsync("/api/v1/auth/refresh", new { refreshToken = user.Tokens.RefreshToken }, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, await StatusOfSignInAsync(app, user.Email));
    }

    private static async Task<HttpStatusCode> StatusOfSignInAsync(HubApp app, string email) =>
        (await app.CreateClient().PostAsJsonAsync("/api/v1/auth/token", new { email, password = HubApp.Password }, Ct)).StatusCode;

    /// <summary>A code that is none of the ones accepted now (the current one and two steps either side).</summary>
    private static string WrongCode(string key)
    {
        var near = Enumerable.Range(-3, 7).Select(i => Totp.Code(key, DateTimeOffset.UtcNow.AddSeconds(30 * i))).ToHashSet();
        return Enumerable.Range(0, 1000).Select(i => i.ToString("D6", System.Globalization.CultureInfo.InvariantCulture)).First(c => !near.Contains(c));
    }
}
