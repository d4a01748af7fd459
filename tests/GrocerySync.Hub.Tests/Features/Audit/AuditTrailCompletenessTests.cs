using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using GrocerySync.Contracts.Agents;
using GrocerySync.Hub.Data;
using GrocerySync.Hub.Data.Entities;
using GrocerySync.Hub.Features.Audit;
using GrocerySync.Hub.Features.Auth;
using GrocerySync.Hub.Features.Dispatch;
using GrocerySync.Hub.Features.Users;
using GrocerySync.Hub.Security;
using GrocerySync.Hub.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace GrocerySync.Hub.Tests.Features.Audit;

/// <summary>
/// Performs every kind of change the audit trail knows (every <see cref="AuditEventType"/>) and finds exactly one
/// correct entry for each: type, entity, retailer, actor, address and user agent, in a chain that verifies.
/// </summary>
public sealed class AuditTrailCompletenessTests(HubApps apps)
{
    private const string Address = "203.0.113.9";
    private const string Agent = "CompletenessTest/1.0";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private sealed record Expected(AuditEventType Type, Guid? EntityId, Guid? RetailerId, Guid? Actor, string? ChangesContain = null);

    [Theory, DatabaseData]
    public async Task Every_kind_of_change_leaves_one_correct_entry(DatabaseProvider provider)
    {
        var app = await apps.GetAsync(provider);
        var tenant = await app.CreateTenantAsync();
        var platformAdmin = await app.CreateUserAsync(HubRole.PlatformAdmin, null);
        var admin = Client(app, tenant.Admin.Tokens.AccessToken);
        var platform = Client(app, platformAdmin.Tokens.AccessToken);
        var anonymous = Client(app, null);
        var r = tenant.RetailerId;
        var a = tenant.Admin.Id;
        var expected = new List<Expected>();
        void Expect(AuditEventType type, Guid? entity, Guid? retailer, Guid? actor, string? contains = null) => expected.Add(new(type, entity, retailer, actor, contains));

        // Retailers: created and deleted at platform level; the update belongs to the retailer.
        var slug = $"c-{Guid.NewGuid():N}"[..20];
        var retailer = await ReadAsync(await platform.PostAsJsonAsync("/api/v1/retailers", new { name = "Completeness market", slug, timeZone = "Europe/Berlin" }, Ct));
        var retailerId = Id(retailer);
        await PutBackAsync(platform, $"/api/v1/retailers/{retailerId}", o => o["name"] = "Completeness market 2");
        Ok(await platform.DeleteAsync($"/api/v1/retailers/{retailerId}", Ct));
        Expect(AuditEventType.RetailerCreated, retailerId, null, platformAdmin.Id);
        Expect(AuditEventType.RetailerUpdated, retailerId, retailerId, platformAdmin.Id, "Completeness market 2");
        Expect(AuditEventType.RetailerDeleted, retailerId, null, platformAdmin.Id);

        // Users: one per kind of change, so that each has exactly one entry of its type.
        async Task<Guid> NewUserAsync(string name) => Id(await ReadAsync(await admin.PostAsJsonAsync("/api/v1/users", new { email = $"{Guid.NewGuid():N}@c.test", displayName = name, role = "Technician", password = HubApp.Password }, Ct)));
        var created = await NewUserAsync("created");
        Expect(AuditEventType.UserCreated, created, r, a);
        var renamed = await NewUserAsync("renamed");
        await PutBackAsync(admin, $"/api/v1/users/{renamed}", o => o["displayName"] = "renamed twice");
        Expect(AuditEventType.UserUpdated, renamed, r, a, "renamed twice");
        var promoted = await NewUserAsync("promoted");
        await PutBackAsync(admin, $"/api/v1/users/{promoted}", o => o["role"] = "RetailerAdmin");
        Expect(AuditEventType.UserRoleChanged, promoted, r, a, "RetailerAdmin");
        var toggled = await NewUserAsync("toggled");
        await PutBackAsync(admin, $"/api/v1/users/{toggled}", o => o["disabled"] = true);
        await PutBackAsync(admin, $"/api/v1/users/{toggled}", o => o["disabled"] = false);
        Expect(AuditEventType.UserDisabled, toggled, r, a);
        Expect(AuditEventType.UserEnabled, toggled, r, a);
        var deleted = await NewUserAsync("deleted");
        Ok(await admin.DeleteAsync($"/api/v1/users/{deleted}", Ct));
        Expect(AuditEventType.UserDeleted, deleted, r, a);

        // Sign-ins, sign-outs and sessions, by the user themselves.
        var person = await app.CreateUserAsync(HubRole.Technician, r, signIn: false);
        var tokens = await ReadAsync<TokenPair>(await anonymous.PostAsJsonAsync("/api/v1/auth/token", new { email = person.Email, password = HubApp.Password }, Ct));
        Expect(AuditEventType.UserSignedIn, person.Id, r, person.Id);
        await anonymous.PostAsJsonAsync("/api/v1/auth/token", new { email = person.Email, password = "Wrong-password-123" }, Ct);
        Expect(AuditEventType.UserSignInFailed, person.Id, r, person.Id, "wrong password");
        var unknown = $"nobody-{Guid.NewGuid():N}@c.test";
        await anonymous.PostAsJsonAsync("/api/v1/auth/token", new { email = unknown, password = "Wrong-password-123" }, Ct);
        Expect(AuditEventType.UserSignInFailed, null, null, null, unknown);
        Ok(await anonymous.PostAsJsonAsync("/api/v1/auth/revoke", new { refreshToken = tokens.RefreshToken }, Ct));
        Expect(AuditEventType.UserSignedOut, person.Id, r, person.Id);
        var replayer = await app.CreateUserAsync(HubRole.Technician, r);
        Ok(await anonymous.PostAsJsonAsync("/api/v1/auth/refresh", new { refreshToken = replayer.Tokens.RefreshToken }, Ct));
        await anonymous.PostAsJsonAsync("/api/v1/auth/refresh", new { refreshToken = replayer.Tokens.RefreshToken }, Ct);
        Expect(AuditEventType.UserRefreshTokenReuseDetected, replayer.Id, r, replayer.Id);
        var leaver = await app.CreateUserAsync(HubRole.Technician, r);
        Ok(await Client(app, leaver.Tokens.AccessToken).PostAsync("/api/v1/auth/sign-out-everywhere", null, Ct));
        Expect(AuditEventType.UserSignedOutEverywhere, leaver.Id, r, leaver.Id);

        var locked = await app.CreateUserAsync(HubRole.Technician, r, signIn: false);
        for (var i = 0; i < 5; i++)
        {
            await anonymous.PostAsJsonAsync("/api/v1/auth/token", new { email = locked.Email, password = "Wrong-password-123" }, Ct);
        }

        Expect(AuditEventType.UserLockedOut, locked.Id, r, null, "LockoutEnd");

        // Two-factor sign-in: on, new recovery codes, a recovery code used, off; and an admin's reset.
        var enrolled = await app.CreateUserAsync(HubRole.Technician, r);
        var self = Client(app, enrolled.Tokens.AccessToken);
        var setup = await ReadAsync<TwoFactorSetupDto>(await self.PostAsync("/api/v1/account/two-factor/setup", null, Ct));
        var key = setup.SharedKey.Replace(" ", string.Empty, StringComparison.Ordinal);
        Ok(await self.PostAsJsonAsync("/api/v1/account/two-factor/enable", new { code = Totp.Code(key) }, Ct));
        Expect(AuditEventType.UserTwoFactorEnabled, enrolled.Id, r, enrolled.Id);
        var session = Client(app, (await app.SignInAsync(enrolled.Email, key)).AccessToken);
        var codes = await ReadAsync<RecoveryCodesDto>(await session.PostAsJsonAsync("/api/v1/account/two-factor/recovery-codes", new { code = Totp.Code(key) }, Ct));
        Expect(AuditEventType.UserRecoveryCodesRegenerated, enrolled.Id, r, enrolled.Id);
        var recovered = await ReadAsync<TokenPair>(await anonymous.PostAsJsonAsync("/api/v1/auth/token", new { email = enrolled.Email, password = HubApp.Password, recoveryCode = codes.RecoveryCodes[0] }, Ct));
        Expect(AuditEventType.UserRecoveryCodeUsed, enrolled.Id, r, enrolled.Id, "RecoveryCodesLeft");
        Ok(await Client(app, recovered.AccessToken).PostAsJsonAsync("/api/v1/account/two-factor/disable", new { code = Totp.Code(key) }, Ct));
        Expect(AuditEventType.UserTwoFactorDisabled, enrolled.Id, r, enrolled.Id);
        var lost = await app.CreateUserAsync(HubRole.Technician, r, twoFactor: true, signIn: false);
        Ok(await admin.PostAsync($"/api/v1/users/{lost.Id}/two-factor/reset", null, Ct));
        Expect(AuditEventType.UserTwoFactorReset, lost.Id, r, a);

        // Invitations: sent, accepted, revoked; and the first-admin setup.
        var invited = await ReadAsync<InviteCreatedDto>(await admin.PostAsJsonAsync("/api/v1/users/invites", new { email = $"{Guid.NewGuid():N}@c.test", role = "Technician" }, Ct));
        Expect(AuditEventType.UserInvited, invited.Invite.Id, r, a);
        var accepted = await ReadAsync<AcceptedInviteDto>(await anonymous.PostAsJsonAsync("/api/v1/auth/invites/accept", new { token = Token(invited.Link!), password = HubApp.Password }, Ct));
        Expect(AuditEventType.UserInviteAccepted, accepted.UserId, r, accepted.UserId);
        var revoked = await ReadAsync<InviteCreatedDto>(await admin.PostAsJsonAsync("/api/v1/users/invites", new { email = $"{Guid.NewGuid():N}@c.test", role = "Technician" }, Ct));
        Ok(await admin.DeleteAsync($"/api/v1/users/invites/{revoked.Invite.Id}", Ct));
        Expect(AuditEventType.UserInviteRevoked, revoked.Invite.Id, r, a);
        string setupToken;
        await using (var scope = app.Services.CreateAsyncScope())
        {
            scope.ServiceProvider.GetRequiredService<Tenancy.CurrentUser>().SetSystem();
            setupToken = await scope.ServiceProvider.GetRequiredService<InviteService>().IssueSetupTokenAsync(Ct);
        }

        var firstAdmin = await ReadAsync<AcceptedInviteDto>(await anonymous.PostAsJsonAsync("/api/v1/auth/invites/accept", new { token = setupToken, email = $"{Guid.NewGuid():N}@c.test", password = HubApp.Password }, Ct));
        Expect(AuditEventType.PlatformAdminSetUp, firstAdmin.UserId, null, firstAdmin.UserId);

        // Configuration: agents, sources, destinations (secrets replaced), jobs, notification rules.
        async Task<Guid> AgentAsync(string name) => Id(await ReadAsync(await admin.PostAsJsonAsync("/api/v1/agents", new { name, heartbeatIntervalSeconds = 60 }, Ct)));
        var agent = await AgentAsync("c agent");
        await PutBackAsync(admin, $"/api/v1/agents/{agent}", o => o["name"] = "c agent renamed");
        Expect(AuditEventType.AgentCreated, agent, r, a);
        Expect(AuditEventType.AgentUpdated, agent, r, a, "c agent renamed");
        var revokedAgent = await AgentAsync("c revoked");
        Ok(await admin.PostAsync($"/api/v1/agents/{revokedAgent}/revoke", null, Ct));
        Expect(AuditEventType.AgentRevoked, revokedAgent, r, a);
        var deletedAgent = await AgentAsync("c deleted");
        Ok(await admin.DeleteAsync($"/api/v1/agents/{deletedAgent}", Ct));
        Expect(AuditEventType.AgentDeleted, deletedAgent, r, a);
        // An agent's credentials: the enrollment token an admin creates, and the API key the agent gets for it (the
        // enrolling agent is anonymous, so the hub is the actor; the address says where it enrolled from).
        var enrolledAgent = await AgentAsync("c enrolled");
        var enrollment = await ReadAsync(await admin.PostAsync($"/api/v1/agents/{enrolledAgent}/enrollment-token", null, Ct));
        Expect(AuditEventType.AgentEnrollmentTokenIssued, enrolledAgent, r, a, "EnrollmentTokenExpiresAt");
        var enrolledKey = await ReadAsync<EnrollResponse>(await anonymous.PostAsJsonAsync("/" + AgentRoutes.Enroll,
            new EnrollRequest((string)enrollment["token"]!, new("1.0.0", "Linux", "c-store-pc")), Ct));
        Expect(AuditEventType.AgentKeyIssued, enrolledAgent, r, null, "c-store-pc");

        var source = Id(await ReadAsync(await admin.PostAsJsonAsync("/api/v1/sources", new { name = "c source", pluginId = "grocerysync.source.sql", settings = new { query = "select 1" }, agentId = agent, secrets = new { password = "s1-value" } }, Ct)));
        await PutBackAsync(admin, $"/api/v1/sources/{source}", o => { o["name"] = "c source renamed"; o.Remove("secrets"); });
        Expect(AuditEventType.SourceCreated, source, r, a);
        var secretSource = Id(await ReadAsync(await admin.PostAsJsonAsync("/api/v1/sources", new { name = "c source 2", pluginId = "grocerysync.source.sql", settings = new { query = "select 2" }, agentId = agent, secrets = new { password = "s1-value" } }, Ct)));
        await PutBackAsync(admin, $"/api/v1/sources/{secretSource}", o => o["secrets"] = new JsonObject { ["password"] = "s2-value" });
        Expect(AuditEventType.SourceSecretsReplaced, secretSource, r, a, "***");
        var destination = Id(await ReadAsync(await admin.PostAsJsonAsync("/api/v1/destinations", new { name = "c destination", pluginId = "sftp", settings = new { host = "h" }, secrets = new { password = "d1-value" } }, Ct)));
        await PutBackAsync(admin, $"/api/v1/destinations/{destination}", o => o["secrets"] = new JsonObject { ["password"] = "d2-value" });
        Expect(AuditEventType.DestinationCreated, destination, r, a);
        Expect(AuditEventType.DestinationUpdated, destination, r, a, "***");
        Expect(AuditEventType.DestinationSecretsReplaced, destination, r, a, "***");

        // A connection test: the admin asks, the enrolled agent (online after its heartbeat) runs it and answers as the actor.
        var store = Client(app, null);
        store.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue(AgentRoutes.KeyScheme, enrolledKey.ApiKey);
        Ok(await store.PostAsJsonAsync("/" + AgentRoutes.Heartbeat, new HeartbeatRequest(new("1.0.0", "Linux", "c-store-pc"), [], [], 0), Ct));
        await app.Services.GetRequiredService<HeartbeatWriter>().FlushAsync(Ct);
        var test = Id(await ReadAsync(await admin.PostAsJsonAsync($"/api/v1/destinations/{destination}/test", new { agentId = enrolledAgent }, Ct)));
        Ok(await store.GetAsync($"/{AgentRoutes.Work}?{AgentRoutes.WaitSecondsQuery}=5", Ct));
        Ok(await store.PostAsJsonAsync($"/{AgentRoutes.ConnectionTests}/{test}/result", new ConnectionTestReport(true, "h accepts the key"), Ct));
        Expect(AuditEventType.DestinationConnectionTested, destination, r, null, test.ToString());

        var job = Id(await ReadAsync(await admin.PostAsJsonAsync("/api/v1/jobs", new { name = "c job", agentId = agent, sourceId = source, destinationId = destination, adapterPluginId = "grocerysync.adapter.google-merchant", cronExpression = "0 3 * * *" }, Ct)));
        await PutBackAsync(admin, $"/api/v1/jobs/{job}", o => o["cronExpression"] = "0 4 * * *");
        var run = await ReadAsync(await admin.PostAsync($"/api/v1/jobs/{job}/run", null, Ct));
        Expect(AuditEventType.JobRunRequested, job, r, a, (string)run["run"]!["id"]!);
        Ok(await admin.PostAsJsonAsync($"/api/v1/jobs/{job}/pause", new { reason = "c pause" }, Ct));
        Expect(AuditEventType.JobPaused, job, r, a, "c pause");
        Ok(await admin.PostAsync($"/api/v1/jobs/{job}/resume", null, Ct));
        Expect(AuditEventType.JobResumed, job, r, a);
        Ok(await admin.PostAsync($"/api/v1/runs/{(string)run["run"]!["id"]!}/cancel", null, Ct)); // also: a job with an active run is not deleted
        Expect(AuditEventType.JobRunCancelRequested, job, r, a, (string)run["run"]!["id"]!);
        var rule = Id(await ReadAsync(await admin.PostAsJsonAsync("/api/v1/notification-rules", new { name = "c rule", @event = "RunFailed", channel = "Email", target = "ops@c.test", jobId = job }, Ct)));
        await PutBackAsync(admin, $"/api/v1/notification-rules/{rule}", o => o["name"] = "c rule renamed");
        Ok(await admin.DeleteAsync($"/api/v1/notification-rules/{rule}", Ct));
        Ok(await admin.DeleteAsync($"/api/v1/jobs/{job}", Ct));
        Ok(await admin.DeleteAsync($"/api/v1/sources/{source}", Ct));
        Ok(await admin.DeleteAsync($"/api/v1/destinations/{destination}", Ct));
        Expect(AuditEventType.SourceUpdated, source, r, a, "c source renamed");
        Expect(AuditEventType.SourceDeleted, source, r, a);
        Expect(AuditEventType.DestinationDeleted, destination, r, a);
        Expect(AuditEventType.JobCreated, job, r, a);
        Expect(AuditEventType.JobUpdated, job, r, a, "0 4 * * *");
        Expect(AuditEventType.JobDeleted, job, r, a);
        Expect(AuditEventType.NotificationRuleCreated, rule, r, a);
        Expect(AuditEventType.NotificationRuleUpdated, rule, r, a, "c rule renamed");
        Expect(AuditEventType.NotificationRuleDeleted, rule, r, a);

        // The hub's keys, and retention (on a retailer of its own: it deletes that chain's old entries).
        var rotation = await ReadAsync<KeyRotationDto>(await platform.PostAsync("/api/v1/security/rotate-keys", null, Ct));
        Expect(AuditEventType.SecretKeysRotated, rotation.NewKeyId, null, platformAdmin.Id);
        var swept = await app.CreateTenantAsync();
        await using (var scope = app.Services.CreateAsyncScope())
        {
            scope.ServiceProvider.GetRequiredService<Tenancy.CurrentUser>().SetSystem();
            Assert.True(await scope.ServiceProvider.GetRequiredService<AuditRetention>().SweepChainAsync(swept.RetailerId, DateTimeOffset.UtcNow.AddMinutes(1), Ct) > 0);
        }

        // Every type is covered, and each has exactly one entry that says who, what, where.
        var covered = expected.Select(e => e.Type).Append(AuditEventType.AuditRetentionApplied).ToHashSet();
        Assert.DoesNotContain(Enum.GetValues<AuditEventType>(), t => !covered.Contains(t));
        var failures = new List<string>();
        foreach (var want in expected)
        {
            var found = await app.QueryDbAsync(db => db.AuditEvents.AsNoTracking().Where(e => e.Type == want.Type && e.EntityId == want.EntityId
                && (want.EntityId != null || (e.Changes != null && e.Changes.Contains(want.ChangesContain!)))).ToListAsync(Ct));
            if (found.Count != 1)
            {
                failures.Add($"{want.Type} of {want.EntityId}: {found.Count} entries");
                continue;
            }

            var entry = found[0];
            if (entry.RetailerId != want.RetailerId || entry.ActorUserId != want.Actor || entry.IpAddress != Address || entry.UserAgent != Agent
                || (want.ChangesContain is { } part && !(entry.Changes ?? string.Empty).Contains(part, StringComparison.Ordinal)))
            {
                failures.Add($"{want.Type} of {want.EntityId}: retailer {entry.RetailerId} (want {want.RetailerId}), actor {entry.ActorUserId} (want {want.Actor}), from {entry.IpAddress}/{entry.UserAgent}, changes {entry.Changes}");
            }
        }

        var checkpoint = await app.QueryDbAsync(db => db.AuditEvents.AsNoTracking().SingleAsync(e => e.RetailerId == swept.RetailerId && e.Type == AuditEventType.AuditRetentionApplied, Ct));
        Assert.Contains("AnchorHash", checkpoint.Changes, StringComparison.Ordinal);
        Assert.True(failures.Count == 0, string.Join("\n", failures));
        foreach (var chain in new Guid?[] { r, retailerId, swept.RetailerId, null })
        {
            var verified = await platform.GetFromJsonAsync<AuditVerificationDto>($"/api/v1/audit-events/verify{(chain is null ? string.Empty : $"?retailerId={chain}")}", Ct);
            Assert.True(verified!.Ok, $"chain {chain}: {verified.Problem}");
        }
    }

    /// <summary>A client whose requests come from a documentation address with a known user agent.</summary>
    private static HttpClient Client(HubApp app, string? accessToken)
    {
        var client = new HttpClient(app.Server.CreateHandler(c => c.Connection.RemoteIpAddress = IPAddress.Parse(Address))) { BaseAddress = app.Server.BaseAddress };
        client.DefaultRequestHeaders.UserAgent.ParseAdd(Agent);
        if (accessToken is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        }

        return client;
    }

    private static async Task PutBackAsync(HttpClient client, string url, Action<JsonObject> change)
    {
        var item = (await client.GetFromJsonAsync<JsonObject>(url, Ct))!;
        change(item);
        Ok(await client.PutAsJsonAsync(url, item, Ct));
    }

    private static async Task<JsonObject> ReadAsync(HttpResponseMessage response) => await ReadAsync<JsonObject>(response);

    private static async Task<T> ReadAsync<T>(HttpResponseMessage response)
    {
        Ok(response);
        return (await response.Content.ReadFromJsonAsync<T>(Ct))!;
    }

    private static void Ok(HttpResponseMessage response) =>
        Assert.True(response.IsSuccessStatusCode, $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri} → {(int)response.StatusCode} {response.Content.ReadAsStringAsync().Result}");

    private static Guid Id(JsonObject item) => Guid.Parse((string)item["id"]!);

    private static string Token(string link) => Uri.UnescapeDataString(link[(link.IndexOf("token=", StringComparison.Ordinal) + 6)..]);
}
