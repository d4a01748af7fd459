using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using GrocerySync.Contracts;
using GrocerySync.Hub.Data;
using GrocerySync.Hub.Data.Entities;
using GrocerySync.Hub.Features.Audit;
using GrocerySync.Hub.Features.Jobs;
using GrocerySync.Hub.Features.Retailers;
using GrocerySync.Hub.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace GrocerySync.Hub.Tests.Features.Audit;

public sealed class AuditApiTests(HubApps apps)
{
    [Theory, DatabaseData]
    public async Task Updating_a_job_records_one_JobUpdated_entry_with_old_and_new_name_actor_and_origin(DatabaseProvider provider)
    {
        var app = await apps.GetAsync(provider);
        var tenant = await app.CreateTenantAsync();
        var job = await tenant.AddJobAsync(name: "Nightly feed");
        var admin = tenant.Admin;

        // The in-memory server has no client address of its own; these requests come from a documentation address.
        using var client = new HttpClient(app.Server.CreateHandler(c => c.Connection.RemoteIpAddress = IPAddress.Parse("203.0.113.7")))
        {
            BaseAddress = app.Server.BaseAddress,
        };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", admin.Tokens.AccessToken);
        client.DefaultRequestHeaders.UserAgent.ParseAdd("GrocerySyncTests/1.0");

        var response = await client.PutAsJsonAsync($"/api/v1/jobs/{job.Id}", UpdateBody(job, "Hourly feed"), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        var updated = Assert.Single(await ListAsync(admin.Client, $"entityId={job.Id}&type=JobUpdated"));
        Assert.Equal(tenant.RetailerId, updated.RetailerId);
        Assert.Equal("Job", updated.EntityType);
        Assert.Equal(admin.Id, updated.ActorUserId);
        Assert.Equal("RetailerAdmin user", updated.ActorName);
        Assert.Equal("203.0.113.7", updated.IpAddress);
        Assert.Equal("GrocerySyncTests/1.0", updated.UserAgent);
        Assert.Equal("Nightly feed", (string?)updated.Changes!["Name"]!["old"]);
        Assert.Equal("Hourly feed", (string?)updated.Changes["Name"]!["new"]);
        // Only what changed: the stamp and the version are bookkeeping, the cron did not change.
        Assert.False(updated.Changes.ContainsKey("UpdatedAt"));
        Assert.False(updated.Changes.ContainsKey("Version"));
        Assert.False(updated.Changes.ContainsKey("CronExpression"));
    }

    [Theory, DatabaseData]
    public async Task Creating_and_deleting_a_job_through_the_api_records_created_and_deleted_entries(DatabaseProvider provider)
    {
        var app = await apps.GetAsync(provider);
        var tenant = await app.CreateTenantAsync();
        var template = await tenant.AddJobAsync();
        var ct = TestContext.Current.CancellationToken;
        var created = await tenant.Admin.Client.PostAsJsonAsync("/api/v1/jobs", new
        {
            name = "Weekly full export",
            agentId = template.AgentId,
            sourceId = template.SourceId,
            destinationId = template.DestinationId,
            adapterPluginId = template.AdapterPluginId,
            cronExpression = "0 3 * * 0",
        }, ct);
        var job = (await created.Content.ReadFromJsonAsync<JobDto>(ct))!;
        Assert.Equal(HttpStatusCode.NoContent, (await tenant.Admin.Client.DeleteAsync($"/api/v1/jobs/{job.Id}", ct)).StatusCode);

        var events = await ListAsync(tenant.Admin.Client, $"entityId={job.Id}&ordering=at");

        Assert.Equal([AuditEventType.JobCreated, AuditEventType.JobDeleted], events.Select(e => e.Type));
        Assert.All(events, e => Assert.Equal(tenant.Admin.Id, e.ActorUserId));
        Assert.Equal("Weekly full export", (string?)events[0].Changes!["Name"]!["new"]);
        Assert.False(events[0].Changes!["Name"]!.AsObject().ContainsKey("old"));
        Assert.Equal("0 3 * * 0", (string?)events[1].Changes!["CronExpression"]!["old"]);
    }

    [Theory, DatabaseData]
    public async Task Replacing_secrets_redacts_them_and_records_a_SecretsReplaced_entry(DatabaseProvider provider)
    {
        var app = await apps.GetAsync(provider);
        var tenant = await app.CreateTenantAsync();
        var destination = await tenant.AddAsync(new Destination
        {
            RetailerId = tenant.RetailerId,
            Name = "Partner SFTP",
            PluginId = "grocerysync.destination.sftp",
            EncryptedSecrets = "cipher-one",
            SecretNames = "password",
        });
        await app.WithDbAsync(async db =>
        {
            var stored = await db.Destinations.SingleAsync(d => d.Id == destination.Id);
            stored.EncryptedSecrets = "cipher-two";
            stored.SecretNames = "password,apiKey";
            await db.SaveChangesAsync();
        });

        var events = await ListAsync(tenant.Admin.Client, $"entityId={destination.Id}&ordering=at,type");

        Assert.Equal([AuditEventType.DestinationCreated, AuditEventType.DestinationUpdated, AuditEventType.DestinationSecretsReplaced], events.Select(e => e.Type));
        Assert.Equal("***", (string?)events[0].Changes!["EncryptedSecrets"]!["new"]);
        Assert.Equal("***", (string?)events[1].Changes!["EncryptedSecrets"]!["old"]);
        Assert.Equal("***", (string?)events[1].Changes!["EncryptedSecrets"]!["new"]);
        Assert.Equal("***", (string?)events[2].Changes!["EncryptedSecrets"]!["new"]);
        Assert.Equal("password,apiKey", (string?)events[2].Changes!["SecretNames"]!["new"]);
        Assert.All(events, e => Assert.Equal("system", e.ActorName));
        var raw = await tenant.Admin.Client.GetStringAsync($"/api/v1/audit-events?entityId={destination.Id}", TestContext.Current.CancellationToken);
        Assert.DoesNotContain("cipher-", raw, StringComparison.Ordinal);
    }

    [Theory, DatabaseData]
    public async Task A_new_users_password_hash_and_stamps_are_redacted(DatabaseProvider provider)
    {
        var app = await apps.GetAsync(provider);
        var tenant = await app.CreateTenantAsync();

        var created = Assert.Single(await ListAsync(tenant.Admin.Client, $"entityId={tenant.Technician.Id}&type=UserCreated"));

        Assert.Equal("User", created.EntityType);
        Assert.Equal(tenant.RetailerId, created.RetailerId);
        foreach (var secret in new[] { "PasswordHash", "SecurityStamp", "ConcurrencyStamp" })
        {
            Assert.Equal("***", (string?)created.Changes![secret]!["new"]);
        }

        Assert.Equal(tenant.Technician.Email, (string?)created.Changes!["Email"]!["new"]);
        Assert.Equal("Technician", (string?)created.Changes["Role"]!["new"]);
    }

    [Theory, DatabaseData]
    public async Task Retailer_admins_see_their_retailers_events_and_platform_admins_see_all(DatabaseProvider provider)
    {
        var app = await apps.GetAsync(provider);
        var mine = await app.CreateTenantAsync();
        var theirs = await app.CreateTenantAsync();
        var theirJob = await theirs.AddJobAsync();
        var retailer = await app.PlatformAdmin.Client.GetFromJsonAsync<RetailerDto>($"/api/v1/retailers/{mine.RetailerId}", TestContext.Current.CancellationToken);
        var renamed = await app.PlatformAdmin.Client.PutAsJsonAsync($"/api/v1/retailers/{mine.RetailerId}",
            new { name = "Renamed Market", timeZone = retailer!.TimeZone, status = retailer.Status, version = retailer.Version }, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, renamed.StatusCode);

        // Creating a retailer is platform-level; changing it belongs to the retailer, so its admins see who did it.
        var mineSees = await ListAsync(mine.Admin.Client, $"entityId={mine.RetailerId}");
        var update = Assert.Single(mineSees);
        Assert.Equal(AuditEventType.RetailerUpdated, update.Type);
        Assert.Equal(app.PlatformAdmin.Id, update.ActorUserId);
        Assert.Equal("Renamed Market", (string?)update.Changes!["Name"]!["new"]);
        Assert.Empty(await ListAsync(mine.Admin.Client, $"entityId={theirJob.Id}"));
        Assert.Empty(await ListAsync(mine.Admin.Client, $"retailerId={theirs.RetailerId}"));

        var platformSees = await ListAsync(app.PlatformAdmin.Client, $"entityId={mine.RetailerId}&ordering=at");
        Assert.Equal([AuditEventType.RetailerCreated, AuditEventType.RetailerUpdated], platformSees.Select(e => e.Type));
        Assert.Null(platformSees[0].RetailerId);
        Assert.Equal(AuditEventType.JobCreated, Assert.Single(await ListAsync(app.PlatformAdmin.Client, $"entityId={theirJob.Id}")).Type);
    }

    [Theory, DatabaseData]
    public async Task Audit_events_are_filtered_by_actor_entity_type_and_time_and_newest_first(DatabaseProvider provider)
    {
        var app = await apps.GetAsync(provider);
        var tenant = await app.CreateTenantAsync();
        var t0 = new DateTimeOffset(2026, 3, 1, 8, 0, 0, TimeSpan.Zero);
        var actor = Guid.NewGuid();
        var older = await tenant.AddAsync(Event(tenant, AuditEventType.AgentRevoked, "Agent", t0, actor));
        var newer = await tenant.AddAsync(Event(tenant, AuditEventType.JobRunRequested, "Job", t0.AddMinutes(5), actor));
        await tenant.AddAsync(Event(tenant, AuditEventType.JobRunRequested, "Job", t0.AddMinutes(6), Guid.NewGuid()));
        var client = tenant.Admin.Client;

        Assert.Equal([newer.Id, older.Id], (await ListAsync(client, $"actorUserId={actor}")).Select(e => e.Id));
        Assert.Equal([older.Id], (await ListAsync(client, $"actorUserId={actor}&entityType=Agent")).Select(e => e.Id));
        Assert.Equal([newer.Id], (await ListAsync(client, $"actorUserId={actor}&type=JobRunRequested")).Select(e => e.Id));
        Assert.Equal([older.Id], (await ListAsync(client, $"actorUserId={actor}&from={Iso(t0)}&to={Iso(t0.AddMinutes(5))}")).Select(e => e.Id));
        Assert.Equal([newer.Id], (await ListAsync(client, $"entityId={newer.EntityId}")).Select(e => e.Id));
    }

    [Theory, DatabaseData]
    public async Task Heartbeats_schedules_and_test_results_are_not_recorded_as_edits_but_a_revocation_is(DatabaseProvider provider)
    {
        var app = await apps.GetAsync(provider);
        var tenant = await app.CreateTenantAsync();
        var job = await tenant.AddJobAsync();
        await app.WithDbAsync(async db =>
        {
            var agent = await db.Agents.SingleAsync(a => a.Id == job.AgentId);
            agent.Status = AgentStatus.Online;
            agent.LastHeartbeatAt = DateTimeOffset.UnixEpoch;
            agent.AgentVersion = "1.2.3";
            var stored = await db.Jobs.SingleAsync(j => j.Id == job.Id);
            stored.LastRunStatus = RunStatus.Succeeded;
            stored.LastRunFinishedAt = DateTimeOffset.UnixEpoch;
            stored.NextRunAt = DateTimeOffset.UnixEpoch.AddDays(1);
            var destination = await db.Destinations.SingleAsync(d => d.Id == job.DestinationId);
            destination.ConnectionStatus = ConnectionStatus.Ok;
            destination.LastTestedAt = DateTimeOffset.UnixEpoch;
            await db.SaveChangesAsync();
        });
        Assert.Equal([AuditEventType.AgentCreated], await TypesAsync(job.AgentId));
        Assert.Equal([AuditEventType.JobCreated], await TypesAsync(job.Id));
        Assert.Equal([AuditEventType.DestinationCreated], await TypesAsync(job.DestinationId));

        await app.WithDbAsync(async db =>
        {
            var agent = await db.Agents.SingleAsync(a => a.Id == job.AgentId);
            agent.Status = AgentStatus.Revoked;
            agent.RevokedAt = DateTimeOffset.UnixEpoch.AddHours(1);
            await db.SaveChangesAsync();
        });

        var events = await ListAsync(tenant.Admin.Client, $"entityId={job.AgentId}&ordering=at,type");
        Assert.Equal([AuditEventType.AgentCreated, AuditEventType.AgentUpdated, AuditEventType.AgentRevoked], events.Select(e => e.Type));
        Assert.Equal("Revoked", (string?)events[2].Changes!["Status"]!["new"]);
        Assert.False(events[1].Changes!.ContainsKey("Status"));

        async Task<List<AuditEventType>> TypesAsync(Guid entityId) =>
            [.. (await ListAsync(tenant.Admin.Client, $"entityId={entityId}")).Select(e => e.Type)];
    }

    [Theory, DatabaseData]
    public async Task Failed_sign_ins_are_recorded_as_sign_in_entries_not_edits_and_the_lockout_as_its_own(DatabaseProvider provider)
    {
        var app = await apps.GetAsync(provider);
        var tenant = await app.CreateTenantAsync();
        using var anonymous = app.CreateClient();

        for (var attempt = 1; attempt <= 5; attempt++)
        {
            var response = await anonymous.PostAsJsonAsync("/api/v1/auth/token", new { email = tenant.Technician.Email, password = "Wrong-password-123" }, TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            if (attempt == 4)
            {
                Assert.Equal([AuditEventType.UserCreated, AuditEventType.UserSignedIn, .. Enumerable.Repeat(AuditEventType.UserSignInFailed, 4)],
                    (await ListAsync(tenant.Admin.Client, $"entityId={tenant.Technician.Id}&ordering=at,type")).Select(e => e.Type).Order());
            }
        }

        var events = await ListAsync(tenant.Admin.Client, $"entityId={tenant.Technician.Id}&ordering=at,type");
        Assert.Equal(
            [AuditEventType.UserCreated, AuditEventType.UserUpdated, AuditEventType.UserSignedIn, .. Enumerable.Repeat(AuditEventType.UserSignInFailed, 5), AuditEventType.UserLockedOut],
            events.Select(e => e.Type).Order());
        var lockout = Assert.Single(events, e => e.Type == AuditEventType.UserLockedOut);
        Assert.NotNull(lockout.Changes!["LockoutEnd"]!["new"]);
        Assert.All(events.Where(e => e.Type == AuditEventType.UserSignInFailed), e =>
        {
            Assert.Equal(tenant.Technician.Id, e.ActorUserId);
            Assert.Equal("wrong password", (string?)e.Changes!["Reason"]);
        });
    }

    [Theory, DatabaseData]
    public async Task Technicians_may_not_read_the_audit_trail(DatabaseProvider provider)
    {
        var app = await apps.GetAsync(provider);
        var tenant = await app.CreateTenantAsync();

        var response = await tenant.Technician.Client.GetAsync("/api/v1/audit-events", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Theory, DatabaseData]
    public async Task Run_history_and_log_lines_stay_out_of_the_audit_trail(DatabaseProvider provider)
    {
        var app = await apps.GetAsync(provider);
        var tenant = await app.CreateTenantAsync();
        var job = await tenant.AddJobAsync();
        var before = await app.QueryDbAsync(db => db.AuditEvents.CountAsync(e => e.RetailerId == tenant.RetailerId));

        var run = await Runs.RunsApiTests.AddRunAsync(tenant, job, RunStatus.Running, RunTrigger.Manual, DateTimeOffset.UnixEpoch);
        await tenant.AddAsync(new LogEntry { RetailerId = tenant.RetailerId, JobRunId = run.Id, Level = LogSeverity.Information, Category = "c", Message = "m" });

        Assert.Equal(before, await app.QueryDbAsync(db => db.AuditEvents.CountAsync(e => e.RetailerId == tenant.RetailerId)));
    }

    [Fact]
    public async Task Every_editable_entity_and_users_have_audit_event_types()
    {
        var app = await apps.GetAsync(DatabaseProvider.Sqlite);
        var audited = await app.QueryDbAsync(db => Task.FromResult(db.Model.GetEntityTypes()
            .Select(t => t.ClrType)
            .Where(t => typeof(EditableEntity).IsAssignableFrom(t) || t == typeof(HubUser))
            .ToList()));

        Assert.NotEmpty(audited);
        Assert.All(audited, t => Assert.True(AuditInterceptor.AuditedTypes.ContainsKey(t), $"{t.Name} has no audit event types."));
    }

    private static object UpdateBody(Job job, string name) => new
    {
        name,
        agentId = job.AgentId,
        sourceId = job.SourceId,
        destinationId = job.DestinationId,
        adapterPluginId = job.AdapterPluginId,
        cronExpression = job.CronExpression,
        timeZone = job.TimeZone,
        version = job.Version,
    };

    private static AuditEvent Event(TestTenant tenant, AuditEventType type, string entityType, DateTimeOffset at, Guid actor) =>
        new() { RetailerId = tenant.RetailerId, Type = type, EntityType = entityType, EntityId = Guid.NewGuid(), ActorUserId = actor, At = at };

    internal static async Task<List<AuditEventDto>> ListAsync(HttpClient client, string query)
    {
        var page = await client.GetFromJsonAsync<PagedResult<AuditEventDto>>($"/api/v1/audit-events?{query}", TestContext.Current.CancellationToken);
        return [.. page!.Items];
    }

    private static string Iso(DateTimeOffset value) => Uri.EscapeDataString(value.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
}
