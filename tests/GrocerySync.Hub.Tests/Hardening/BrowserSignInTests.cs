using System.Net;
using System.Text.RegularExpressions;
using GrocerySync.Hub.Data;
using GrocerySync.Hub.Data.Entities;
using GrocerySync.Hub.Tests.Infrastructure;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;

namespace GrocerySync.Hub.Tests.Hardening;

/// <summary>
/// The browser sign-in pages, driven as a browser would over HTTPS with cookies: password then TOTP, two-factor
/// enrollment with the server-made QR code, the cookie session reaching the API, antiforgery, sign-out, headers.
/// </summary>
public sealed partial class BrowserSignInTests(HubApps apps)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory, DatabaseData]
    public async Task A_user_signs_in_with_password_and_authenticator_code_and_the_cookie_reaches_the_api(DatabaseProvider provider)
    {
        var app = await apps.GetAsync(provider);
        var tenant = await app.CreateTenantAsync();
        var user = await app.CreateUserAsync(HubRole.Technician, tenant.RetailerId, "Browser tech", twoFactor: true, signIn: false);
        var browser = Browser(app);

        var anonymousHome = await browser.GetAsync("/", Ct);
        Assert.Equal(HttpStatusCode.Redirect, anonymousHome.StatusCode);
        Assert.Equal("/account/sign-in", new Uri(browser.BaseAddress!, anonymousHome.Headers.Location!).AbsolutePath);

        var password = await SubmitAsync(browser, "/account/sign-in", new() { ["Input.Email"] = user.Email, ["Input.Password"] = HubApp.Password });
        Assert.Equal(HttpStatusCode.Redirect, password.StatusCode);
        Assert.Contains("/account/sign-in/two-factor", password.Headers.Location!.OriginalString, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Redirect, (await browser.GetAsync("/", Ct)).StatusCode);

        var code = await SubmitAsync(browser, "/account/sign-in/two-factor", new() { ["Input.Code"] = Totp.Code(user.AuthenticatorKey!) });
        Assert.Equal(HttpStatusCode.Redirect, code.StatusCode);

        var home = await browser.GetAsync("/", Ct);
        Assert.Equal(HttpStatusCode.OK, home.StatusCode);
        Assert.Contains("Browser tech", await home.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        var api = await browser.GetAsync("/api/v1/account", Ct);
        Assert.Equal(HttpStatusCode.OK, api.StatusCode);
        Assert.Contains(user.Email, await api.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, (await browser.GetAsync("/api/v1/users", Ct)).StatusCode);

        var signOut = await SubmitAsync(browser, "/account/sign-out", []);
        Assert.Equal(HttpStatusCode.Redirect, signOut.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.GetAsync("/api/v1/account", Ct)).StatusCode);
        var types = await app.QueryDbAsync(db => db.AuditEvents.Where(e => e.EntityId == user.Id).Select(e => e.Type).ToListAsync(Ct));
        Assert.Contains(AuditEventType.UserSignedIn, types);
        Assert.Contains(AuditEventType.UserSignedOut, types);
    }

    [Fact]
    public async Task A_platform_admin_without_two_factor_is_sent_to_enroll_it_and_sees_a_qr_code_and_recovery_codes_once()
    {
        var app = await apps.GetAsync(DatabaseProvider.Sqlite);
        var admin = await app.CreateUserAsync(HubRole.PlatformAdmin, null, signIn: false);
        await app.WithDbAsync(db => db.Users.Where(u => u.Id == admin.Id).ExecuteUpdateAsync(s => s.SetProperty(u => u.TwoFactorEnabled, false), Ct));
        var browser = Browser(app);

        var password = await SubmitAsync(browser, "/account/sign-in", new() { ["Input.Email"] = admin.Email, ["Input.Password"] = HubApp.Password });
        Assert.EndsWith("/account/two-factor", password.Headers.Location!.OriginalString, StringComparison.Ordinal);
        Assert.NotEqual(HttpStatusCode.OK, (await browser.GetAsync("/", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await browser.GetAsync("/api/v1/retailers", Ct)).StatusCode);

        var page = await (await browser.GetAsync("/account/two-factor", Ct)).Content.ReadAsStringAsync(Ct);
        Assert.Contains("src=\"data:image/png;base64,", page, StringComparison.Ordinal);
        var key = KeyText().Match(page).Groups["key"].Value.Replace(" ", string.Empty, StringComparison.Ordinal);
        Assert.NotEmpty(key);

        var enabled = await SubmitAsync(browser, "/account/two-factor", new() { ["Input.Code"] = Totp.Code(key) }, formName: "enable", html: page);
        var shown = await enabled.Content.ReadAsStringAsync(Ct);
        Assert.Equal(HttpStatusCode.OK, enabled.StatusCode);
        Assert.Equal(10, RecoveryCode().Count(shown));

        // Now a full session, and the codes are not shown again.
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/api/v1/retailers", Ct)).StatusCode);
        Assert.DoesNotMatch(RecoveryCode(), await (await browser.GetAsync("/account/two-factor", Ct)).Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task A_form_post_without_the_antiforgery_token_is_refused()
    {
        var app = await apps.GetAsync(DatabaseProvider.Sqlite);
        var tenant = await app.CreateTenantAsync();
        var browser = Browser(app);
        await browser.GetAsync("/account/sign-in", Ct);

        var response = await browser.PostAsync("/account/sign-in", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = "sign-in",
            ["Input.Email"] = tenant.Technician.Email,
            ["Input.Password"] = HubApp.Password,
        }), Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await browser.GetAsync("/", Ct)).StatusCode);
    }

    [Fact]
    public async Task A_page_carries_the_security_headers_and_its_only_script_the_csp_nonce()
    {
        var app = await apps.GetAsync(DatabaseProvider.Sqlite);
        var browser = Browser(app);

        var first = await browser.GetAsync("/account/sign-in", Ct);
        var second = await browser.GetAsync("/account/sign-in", Ct);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var csp = Assert.Single(first.Headers.GetValues("Content-Security-Policy"));
        var nonce = Nonce().Match(csp).Groups["nonce"].Value;
        Assert.NotEmpty(nonce);
        Assert.DoesNotContain("unsafe-inline", csp, StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
        Assert.Contains("object-src 'none'", csp, StringComparison.Ordinal);
        Assert.NotEqual(nonce, Nonce().Match(Assert.Single(second.Headers.GetValues("Content-Security-Policy"))).Groups["nonce"].Value);
        var html = await first.Content.ReadAsStringAsync(Ct);
        var scripts = Regex.Matches(html, "<script[^>]*>");
        Assert.All(scripts, s => Assert.Contains($"nonce=\"{nonce}\"", s.Value, StringComparison.Ordinal));
        Assert.NotEmpty(scripts);
        Assert.Equal("nosniff", Assert.Single(first.Headers.GetValues("X-Content-Type-Options")));
        Assert.Equal("no-referrer", Assert.Single(first.Headers.GetValues("Referrer-Policy")));
        Assert.Equal("DENY", Assert.Single(first.Headers.GetValues("X-Frame-Options")));
        // Outside development, over HTTPS, browsers are told to stay on HTTPS.
        Assert.Contains("max-age=", Assert.Single(first.Headers.GetValues("Strict-Transport-Security")), StringComparison.Ordinal);
    }

    /// <summary>A cookie-keeping client on https://hub.test (HSTS skips localhost), following no redirects, like a browser whose steps we check.</summary>
    private static HttpClient Browser(HubApp app) =>
        app.CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri("https://hub.test"), AllowAutoRedirect = false, HandleCookies = true });

    /// <summary>GETs the page (unless <paramref name="html"/> is given), then posts its form with the hidden fields (antiforgery, handler) and <paramref name="fields"/>.</summary>
    private static async Task<HttpResponseMessage> SubmitAsync(HttpClient browser, string path, Dictionary<string, string> fields, string? formName = null, string? html = null)
    {
        html ??= await (await browser.GetAsync(path, Ct)).Content.ReadAsStringAsync(Ct);
        var forms = Regex.Matches(html, "<form[^>]*>(?<body>.*?)</form>", RegexOptions.Singleline);
        var form = forms.First(f => formName is null || f.Value.Contains($"value=\"{formName}\"", StringComparison.Ordinal)).Groups["body"].Value;
        var values = Hidden().Matches(form).ToDictionary(m => m.Groups["name"].Value, m => WebUtility.HtmlDecode(m.Groups["value"].Value));
        foreach (var (name, value) in fields)
        {
            values[name] = value;
        }

        return await browser.PostAsync(path, new FormUrlEncodedContent(values), Ct);
    }

    [GeneratedRegex("<input type=\"hidden\" name=\"(?<name>[^\"]+)\" value=\"(?<value>[^\"]*)\"")]
    private static partial Regex Hidden();

    [GeneratedRegex("'nonce-(?<nonce>[^']+)'")]
    private static partial Regex Nonce();

    [GeneratedRegex("<code class=\"key\">(?<key>[^<]+)</code>")]
    private static partial Regex KeyText();

    [GeneratedRegex("<li><code>[A-Z0-9]{5}-[A-Z0-9]{5}</code></li>")]
    private static partial Regex RecoveryCode();
}
