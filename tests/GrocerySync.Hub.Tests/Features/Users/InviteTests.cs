using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using GrocerySync.Hub.Data;
using GrocerySync.Hub.Data.Entities;
using GrocerySync.Hub.Features.Users;
using GrocerySync.Hub.Tests.Infrastructure;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace GrocerySync.Hub.Tests.Features.Users;

/// <summary>Invitations: single-use, expiring links by mail (a real SMTP server) or handed to the admin; the role rules of user creation.</summary>
public sealed class InviteTests(HubApps apps)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string NewEmail() => $"invitee-{Guid.NewGuid():N}@store.example";

    [Theory, DatabaseData]
    public async Task An_invitation_link_works_once(DatabaseProvider provider)
    {
        var app = await apps.GetAsync(provider);
        var tenant = await app.CreateTenantAsync();
        var email = NewEmail();

        var created = await tenant.Admin.Client.PostAsJsonAsync("/api/v1/users/invites", new { email, displayName = "Evening cashier", role = "Technician" }, Ct);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var invite = (await created.Content.ReadFromJsonAsync<InviteCreatedDto>(Ct))!;
        Assert.False(invite.EmailSent);
        var token = TokenOf(invite.Link!);
        var stored = await app.QueryDbAsync(db => db.Invites.AsNoTracking().SingleAsync(i => i.Id == invite.Invite.Id, Ct));
        Assert.DoesNotContain(token, stored.TokenHash, StringComparison.Ordinal);

        // Two acceptances at once: one account.
        var anonymous = app.CreateClient();
        var answers = await Task.WhenAll(Enumerable.Range(0, 2).Select(_ => anonymous.PostAsJsonAsync("/api/v1/auth/invites/accept", new { token, password = HubApp.Password }, Ct)));
        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.BadRequest], answers.Select(a => a.StatusCode).Order());
        var accepted = (await answers.Single(a => a.IsSuccessStatusCode).Content.ReadFromJsonAsync<AcceptedInviteDto>(Ct))!;
        Assert.Equal((email, HubRole.Technician, (Guid?)tenant.RetailerId), (accepted.Email, accepted.Role, accepted.RetailerId));
        Assert.Equal(1, await app.QueryDbAsync(db => db.Users.CountAsync(u => u.Email == email, Ct)));

        var third = await anonymous.PostAsJsonAsync("/api/v1/auth/invites/accept", new { token, password = "Another-Strong-Pass-42" }, Ct);
        Assert.Contains("not valid", Assert.Single((await third.ReadFieldErrorsAsync())["token"]), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.PostAsJsonAsync("/api/v1/auth/token", new { email, password = HubApp.Password }, Ct)).StatusCode);
    }

    [Fact]
    public async Task An_invitation_link_works_until_it_expires_and_not_a_second_after()
    {
        var shared = await apps.GetAsync(DatabaseProvider.Sqlite);
        var tenant = await shared.CreateTenantAsync();
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var app = shared.WithWebHostBuilder(b => b.ConfigureTestServices(s => s.AddSingleton<TimeProvider>(clock)));
        var admin = HubApp.ClientFor(app, tenant.Admin);
        var anonymous = app.CreateClient();

        var early = await CreateAsync(admin);
        var late = await CreateAsync(admin);
        clock.Advance(TimeSpan.FromHours(72) - TimeSpan.FromSeconds(1));
        Assert.Equal(HttpStatusCode.OK, (await anonymous.PostAsJsonAsync("/api/v1/auth/invites/accept", new { token = early, password = HubApp.Password }, Ct)).StatusCode);
        clock.Advance(TimeSpan.FromSeconds(2));
        var expired = await anonymous.PostAsJsonAsync("/api/v1/auth/invites/accept", new { token = late, password = HubApp.Password }, Ct);
        Assert.Contains("expired", Assert.Single((await expired.ReadFieldErrorsAsync())["token"]), StringComparison.Ordinal);

        static async Task<string> CreateAsync(HttpClient admin)
        {
            var response = await admin.PostAsJsonAsync("/api/v1/users/invites", new { email = NewEmail(), role = "Technician" }, Ct);
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            return TokenOf((await response.Content.ReadFromJsonAsync<InviteCreatedDto>(Ct))!.Link!);
        }
    }

    [Fact]
    public async Task With_smtp_configured_the_link_goes_by_mail_and_not_to_the_admin()
    {
        var sink = await SmtpSink.SharedAsync();
        var shared = await apps.GetAsync(DatabaseProvider.Sqlite);
        var tenant = await shared.CreateTenantAsync();
        await using var app = shared.WithWebHostBuilder(b => b
            .UseSetting("Hub:Smtp:Host", sink.Host)
            .UseSetting("Hub:Smtp:Port", sink.Port.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .UseSetting("Hub:Smtp:Security", "None")
            .UseSetting("Hub:Smtp:From", "hub@grocerysync.test")
            .UseSetting("Hub:PublicBaseUrl", "https://hub.grocerysync.test"));
        var email = NewEmail();

        var response = await HubApp.ClientFor(app, tenant.Admin).PostAsJsonAsync("/api/v1/users/invites", new { email, displayName = "Weekend baker", role = "Technician" }, Ct);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var invite = (await response.Content.ReadFromJsonAsync<InviteCreatedDto>(Ct))!;
        Assert.True(invite.EmailSent);
        Assert.Null(invite.Link);
        var mail = await sink.WaitForMessageToAsync(email, TimeSpan.FromSeconds(20));
        Assert.Equal("hub@grocerysync.test", mail.From.Mailboxes.Single().Address);
        var link = System.Text.RegularExpressions.Regex.Match(mail.TextBody ?? string.Empty, @"https://hub\.grocerysync\.test/account/accept-invite\?token=[A-Za-z0-9_%-]+").Value;
        Assert.NotEmpty(link);
        var accept = await app.CreateClient().PostAsJsonAsync("/api/v1/auth/invites/accept", new { token = TokenOf(link), password = HubApp.Password }, Ct);
        Assert.Equal(HttpStatusCode.OK, accept.StatusCode);
    }

    [Theory, DatabaseData]
    public async Task Retailer_admins_cannot_invite_platform_admins_and_technicians_cannot_invite_at_all(DatabaseProvider provider)
    {
        var app = await apps.GetAsync(provider);
        var tenant = await app.CreateTenantAsync();
        var email = NewEmail();

        var asAdmin = await tenant.Admin.Client.PostAsJsonAsync("/api/v1/users/invites", new { email, role = "PlatformAdmin" }, Ct);
        Assert.Contains("Only a platform admin", Assert.Single((await asAdmin.ReadFieldErrorsAsync())["role"]), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, (await tenant.Technician.Client.PostAsJsonAsync("/api/v1/users/invites", new { email, role = "Technician" }, Ct)).StatusCode);
        Assert.False(await app.QueryDbAsync(db => db.Invites.AnyAsync(i => i.Email == email, Ct)));

        var existing = await tenant.Admin.Client.PostAsJsonAsync("/api/v1/users/invites", new { email = tenant.Technician.Email, role = "Technician" }, Ct);
        Assert.Contains("exists already", Assert.Single((await existing.ReadFieldErrorsAsync())["email"]), StringComparison.Ordinal);
    }

    [Theory, DatabaseData]
    public async Task A_revoked_or_replaced_invitation_link_stops_working(DatabaseProvider provider)
    {
        var app = await apps.GetAsync(provider);
        var tenant = await app.CreateTenantAsync();
        var email = NewEmail();
        var first = (await (await tenant.Admin.Client.PostAsJsonAsync("/api/v1/users/invites", new { email, role = "Technician" }, Ct)).Content.ReadFromJsonAsync<InviteCreatedDto>(Ct))!;
        var second = (await (await tenant.Admin.Client.PostAsJsonAsync("/api/v1/users/invites", new { email, role = "Technician" }, Ct)).Content.ReadFromJsonAsync<InviteCreatedDto>(Ct))!;
        Assert.Equal(HttpStatusCode.NoContent, (await tenant.Admin.Client.DeleteAsync($"/api/v1/users/invites/{second.Invite.Id}", Ct)).StatusCode);

        foreach (var invite in new[] { first, second })
        {
            var accept = await app.CreateClient().PostAsJsonAsync("/api/v1/auth/invites/accept", new { token = TokenOf(invite.Link!), password = HubApp.Password }, Ct);
            Assert.Equal(HttpStatusCode.BadRequest, accept.StatusCode);
        }

        var pending = await tenant.Admin.Client.GetFromJsonAsync<GrocerySync.Contracts.PagedResult<InviteDto>>("/api/v1/users/invites?pending=true", Ct);
        Assert.DoesNotContain(pending!.Items, i => i.Email == email);
    }

    [Theory, DatabaseData]
    public async Task The_first_start_setup_link_creates_a_platform_admin_who_must_then_enroll_two_factor(DatabaseProvider provider)
    {
        var app = await apps.GetAsync(provider);
        string token;
        await using (var scope = app.Services.CreateAsyncScope())
        {
            scope.ServiceProvider.GetRequiredService<Tenancy.CurrentUser>().SetSystem();
            token = await scope.ServiceProvider.GetRequiredService<InviteService>().IssueSetupTokenAsync(Ct);
        }

        var email = NewEmail();
        var anonymous = app.CreateClient();
        var missingEmail = await anonymous.PostAsJsonAsync("/api/v1/auth/invites/accept", new { token, password = HubApp.Password }, Ct);
        Assert.Contains("email", (await missingEmail.ReadFieldErrorsAsync()).Keys);
        var accepted = await anonymous.PostAsJsonAsync("/api/v1/auth/invites/accept", new { token, email, displayName = "First operator", password = HubApp.Password }, Ct);
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        Assert.Equal(HubRole.PlatformAdmin, (await accepted.Content.ReadFromJsonAsync<AcceptedInviteDto>(Ct))!.Role);
        Assert.Equal(HttpStatusCode.BadRequest, (await anonymous.PostAsJsonAsync("/api/v1/auth/invites/accept", new { token, email = NewEmail(), password = HubApp.Password }, Ct)).StatusCode);

        var signIn = await anonymous.PostAsJsonAsync("/api/v1/auth/token", new { email, password = HubApp.Password }, Ct);
        Assert.Equal(HttpStatusCode.Forbidden, signIn.StatusCode);
        Assert.True(JsonDocument.Parse(await signIn.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("twoFactorSetupRequired").GetBoolean());
    }

    [Theory, DatabaseData]
    public async Task Nobody_can_raise_their_own_role(DatabaseProvider provider)
    {
        var app = await apps.GetAsync(provider);
        var tenant = await app.CreateTenantAsync();
        var admin = (await tenant.Admin.Client.GetFromJsonAsync<UserDto>($"/api/v1/users/{tenant.Admin.Id}", Ct))!;

        var raise = await tenant.Admin.Client.PutAsJsonAsync($"/api/v1/users/{admin.Id}", new { displayName = admin.DisplayName, role = "PlatformAdmin", version = admin.Version }, Ct);
        Assert.Contains("role", (await raise.ReadFieldErrorsAsync()).Keys);
        var technician = await tenant.Technician.Client.PutAsJsonAsync($"/api/v1/users/{tenant.Technician.Id}", new { displayName = "me", role = "RetailerAdmin", version = 1 }, Ct);
        Assert.Equal(HttpStatusCode.Forbidden, technician.StatusCode);

        var roles = await app.QueryDbAsync(db => db.Users.AsNoTracking().Where(u => u.Id == tenant.Admin.Id || u.Id == tenant.Technician.Id).Select(u => new { u.Id, u.Role }).ToListAsync(Ct));
        Assert.Equal(HubRole.RetailerAdmin, roles.Single(r => r.Id == tenant.Admin.Id).Role);
        Assert.Equal(HubRole.Technician, roles.Single(r => r.Id == tenant.Technician.Id).Role);
    }

    private static string TokenOf(string link) => Uri.UnescapeDataString(link[(link.IndexOf("token=", StringComparison.Ordinal) + "token=".Length)..]);
}
