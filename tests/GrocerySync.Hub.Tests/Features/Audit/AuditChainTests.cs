using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using GrocerySync.Hub.Data;
using GrocerySync.Hub.Data.Entities;
using GrocerySync.Hub.Features.Audit;
using GrocerySync.Hub.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace GrocerySync.Hub.Tests.Features.Audit;

/// <summary>The audit trail's hash chains: verification names the first broken entry; concurrent writers never fork a chain; retention keeps it verifiable.</summary>
public sealed class AuditChainTests(HubApps apps)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory, DatabaseData]
    public async Task Editing_one_stored_entry_makes_verify_name_it(DatabaseProvider provider)
    {
        var app = await apps.GetAsync(provider);
        var tenant = await app.CreateTenantAsync();
        await tenant.AddJobAsync();
        Assert.True((await VerifyAsync(tenant.Admin.Client)).Ok);
        var entries = await ChainAsync(app, tenant.RetailerId);
        var victim = entries[entries.Count / 2];

        // Someone with database access rewrites history: the change is no longer what the entry's hash covers.
        await app.WithDbAsync(db => db.AuditEvents.Where(e => e.Id == victim.Id).ExecuteUpdateAsync(s => s.SetProperty(e => e.ActorName, "somebody else"), Ct));

        var result = await VerifyAsync(tenant.Admin.Client);
        Assert.False(result.Ok);
        Assert.Equal(victim.Id, result.FirstBrokenEntryId);
        Assert.Equal(victim.Sequence, result.FirstBrokenSequence);
        Assert.Contains("changed", result.Problem, StringComparison.Ordinal);
        Assert.Equal(entries.IndexOf(victim), result.EntriesChecked);
    }

    [Theory, DatabaseData]
    public async Task Deleting_an_entry_or_the_chains_tail_makes_verify_name_where(DatabaseProvider provider)
    {
        var app = await apps.GetAsync(provider);
        var tenant = await app.CreateTenantAsync();
        await tenant.AddJobAsync();
        var entries = await ChainAsync(app, tenant.RetailerId);

        var last = entries[^1];
        await app.WithDbAsync(db => db.AuditEvents.Where(e => e.Id == last.Id).ExecuteDeleteAsync(Ct));
        var tail = await VerifyAsync(tenant.Admin.Client);
        Assert.False(tail.Ok);
        Assert.Null(tail.FirstBrokenEntryId);
        Assert.Equal(last.Sequence, tail.FirstBrokenSequence);

        var middle = entries[2];
        await app.WithDbAsync(db => db.AuditEvents.Where(e => e.Id == middle.Id).ExecuteDeleteAsync(Ct));
        var gap = await VerifyAsync(tenant.Admin.Client);
        Assert.False(gap.Ok);
        Assert.Equal(entries[3].Id, gap.FirstBrokenEntryId);
        Assert.Contains("missing", gap.Problem, StringComparison.Ordinal);
    }

    [Theory, DatabaseData]
    public async Task Concurrent_writers_of_one_retailer_never_fork_its_chain(DatabaseProvider provider)
    {
        var app = await apps.GetAsync(provider);
        var tenant = await app.CreateTenantAsync();

        // Twenty requests and twenty background writes for one retailer, all at once.
        var writes = Enumerable.Range(0, 20).Select(i => tenant.Admin.Client.PostAsJsonAsync("/api/v1/agents", new { name = $"agent {i}", heartbeatIntervalSeconds = 60 }, Ct))
            .Concat(Enumerable.Range(0, 20).Select(async i =>
            {
                await AppendAsync(app, tenant.RetailerId, i);
                return new HttpResponseMessage(HttpStatusCode.Created);
            }));
        var answers = await Task.WhenAll(writes);

        Assert.All(answers, a => Assert.Equal(HttpStatusCode.Created, a.StatusCode));
        var chain = await ChainAsync(app, tenant.RetailerId);
        Assert.Equal(Enumerable.Range(1, chain.Count).Select(i => (long)i), chain.Select(e => e.Sequence));
        Assert.Equal(40, chain.Count(e => e.Type is AuditEventType.AgentCreated or AuditEventType.JobRunRequested));
        var result = await VerifyAsync(tenant.Admin.Client);
        Assert.True(result.Ok, result.Problem);
        Assert.Equal(chain.Count, result.EntriesChecked);
    }

    [Fact]
    public async Task On_postgres_writers_of_one_chain_queue_on_its_head_lock_instead_of_colliding()
    {
        var logs = new LogCapture();
        await using var app = await HubApp.StartAsync(DatabaseProvider.Postgres, new HubAppOptions
        {
            Services = s => s.AddLogging(l => l.AddProvider(logs).AddFilter<LogCapture>(null, LogLevel.Warning)),
        });
        var tenant = await app.CreateTenantAsync();
        await AppendAsync(app, tenant.RetailerId, -1); // The chain's head exists: from here on every writer takes its lock.

        // A hundred writers of one retailer at once: each waits for the one before it to commit, none retries.
        await Task.WhenAll(Enumerable.Range(0, 100).Select(i => AppendAsync(app, tenant.RetailerId, i)));

        Assert.DoesNotContain(logs.Entries, e => e.Contains("IX_AuditEvents_RetailerId_Sequence", StringComparison.Ordinal) || e.Contains("AuditChains", StringComparison.Ordinal));
        var chain = await ChainAsync(app, tenant.RetailerId);
        Assert.Equal(Enumerable.Range(1, chain.Count).Select(i => (long)i), chain.Select(e => e.Sequence));
        Assert.Equal(101, chain.Count(e => e.Type == AuditEventType.JobRunRequested));
        var result = await VerifyAsync(tenant.Admin.Client);
        Assert.True(result.Ok, result.Problem);
    }

    private static async Task AppendAsync(HubApp app, Guid retailerId, int index)
    {
        await using var scope = app.Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<Tenancy.CurrentUser>().SetSystem();
        scope.ServiceProvider.GetRequiredService<AuditLog>().Record(AuditEventType.JobRunRequested, "Job", Guid.NewGuid(), retailerId, new JsonObject { ["Index"] = index });
        await scope.ServiceProvider.GetRequiredService<HubDbContext>().SaveChangesAsync(Ct);
    }

    [Theory, DatabaseData]
    public async Task Retention_deletes_the_oldest_entries_with_a_checkpoint_and_the_chain_still_verifies(DatabaseProvider provider)
    {
        var app = await apps.GetAsync(provider);
        var tenant = await app.CreateTenantAsync();
        await tenant.AddJobAsync();
        var before = await ChainAsync(app, tenant.RetailerId);
        var cutoff = DateTimeOffset.UtcNow.AddMinutes(1);
        await tenant.AddAsync(new AuditEvent { RetailerId = tenant.RetailerId, Type = AuditEventType.JobUpdated, EntityType = "Job", At = cutoff.AddDays(1) });

        int deleted;
        await using (var scope = app.Services.CreateAsyncScope())
        {
            scope.ServiceProvider.GetRequiredService<Tenancy.CurrentUser>().SetSystem();
            deleted = await scope.ServiceProvider.GetRequiredService<AuditRetention>().SweepChainAsync(tenant.RetailerId, cutoff, Ct);
        }

        Assert.Equal(before.Count, deleted);
        var after = await ChainAsync(app, tenant.RetailerId);
        Assert.Equal([AuditEventType.JobUpdated, AuditEventType.AuditRetentionApplied], after.Select(e => e.Type));
        var checkpoint = after[1];
        Assert.Equal(before[^1].Hash, (string?)JsonNode.Parse(checkpoint.Changes!)!["AnchorHash"]);
        Assert.Equal(before.Count, (int?)JsonNode.Parse(checkpoint.Changes!)!["DeletedEntries"]);
        var result = await VerifyAsync(tenant.Admin.Client);
        Assert.True(result.Ok, result.Problem);
        Assert.Equal(before[^1].Sequence, result.AnchorSequence);
        Assert.Equal(2, result.EntriesChecked);

        // Nothing older is left, so a second sweep deletes nothing.
        await using var again = app.Services.CreateAsyncScope();
        again.ServiceProvider.GetRequiredService<Tenancy.CurrentUser>().SetSystem();
        Assert.Equal(0, await again.ServiceProvider.GetRequiredService<AuditRetention>().SweepChainAsync(tenant.RetailerId, cutoff, Ct));
    }

    [Theory, DatabaseData]
    public async Task A_retailer_admin_verifies_their_own_chain_whatever_retailer_they_name(DatabaseProvider provider)
    {
        var app = await apps.GetAsync(provider);
        var mine = await app.CreateTenantAsync();
        var theirs = await app.CreateTenantAsync();
        var entries = await ChainAsync(app, theirs.RetailerId);
        await app.WithDbAsync(db => db.AuditEvents.Where(e => e.Id == entries[0].Id).ExecuteUpdateAsync(s => s.SetProperty(e => e.ActorName, "forged"), Ct));

        var own = await VerifyAsync(mine.Admin.Client, $"retailerId={theirs.RetailerId}");
        Assert.Equal(mine.RetailerId, own.RetailerId);
        Assert.True(own.Ok, own.Problem);

        var platform = await VerifyAsync(app.PlatformAdmin.Client, $"retailerId={theirs.RetailerId}");
        Assert.Equal(theirs.RetailerId, platform.RetailerId);
        Assert.Equal(entries[0].Id, platform.FirstBrokenEntryId);
        Assert.Equal(HttpStatusCode.Forbidden, (await theirs.Technician.Client.GetAsync("/api/v1/audit-events/verify", Ct)).StatusCode);
    }

    [Theory, DatabaseData]
    public async Task Csv_export_streams_every_page_of_the_filtered_list_with_formulas_defused(DatabaseProvider provider)
    {
        var app = await apps.GetAsync(provider);
        var tenant = await app.CreateTenantAsync();
        var t0 = new DateTimeOffset(2026, 4, 1, 8, 0, 0, TimeSpan.Zero);
        for (var i = 0; i < 260; i++)
        {
            await tenant.AddAsync(new AuditEvent { RetailerId = tenant.RetailerId, Type = AuditEventType.JobUpdated, EntityType = "Job", ActorName = i == 0 ? "=HYPERLINK(\"x\")" : $"robot, {i}", At = t0.AddSeconds(i) });
        }

        var response = await tenant.Admin.Client.GetAsync($"/api/v1/audit-events/export?type=JobUpdated&from={Uri.EscapeDataString(t0.ToString("O"))}&ordering=at&pageSize=10", Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("audit-events.csv", response.Content.Headers.ContentDisposition?.FileNameStar ?? response.Content.Headers.ContentDisposition?.FileName?.Trim('"'));
        var lines = (await response.Content.ReadAsStringAsync(Ct)).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("id,at,retailerId,type,actorUserId", lines[0], StringComparison.Ordinal);
        Assert.Equal(261, lines.Length);
        Assert.Contains("\"'=HYPERLINK(\"\"x\"\")\"", lines[1], StringComparison.Ordinal);
        Assert.Contains("\"robot, 259\"", lines[^1], StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, (await tenant.Admin.Client.GetAsync("/api/v1/audit-events/export?ordering=secret", Ct)).StatusCode);
    }

    private static async Task<AuditVerificationDto> VerifyAsync(HttpClient client, string query = "") =>
        (await client.GetFromJsonAsync<AuditVerificationDto>($"/api/v1/audit-events/verify?{query}", Ct))!;

    private static Task<List<AuditEvent>> ChainAsync(HubApp app, Guid retailerId) =>
        app.QueryDbAsync(db => db.AuditEvents.AsNoTracking().Where(e => e.RetailerId == retailerId).OrderBy(e => e.Sequence).ToListAsync(Ct));
}
