using System.Net;
using System.Net.Http.Json;
using GrocerySync.Contracts;
using GrocerySync.Hub.Data;
using GrocerySync.Hub.Data.Entities;
using GrocerySync.Hub.Features.NotificationRules;
using GrocerySync.Hub.Tests.Infrastructure;

namespace GrocerySync.Hub.Tests.Features.NotificationRules;

public sealed class NotificationRulesApiTests(HubApps apps)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory, DatabaseData]
    public async Task Retailer_admin_creates_updates_lists_and_deletes_a_rule(DatabaseProvider provider)
    {
        var tenant = await (await apps.GetAsync(provider)).CreateTenantAsync();
        var job = await tenant.AddJobAsync();
        var client = tenant.Admin.Client;

        var response = await client.PostAsJsonAsync("/api/v1/notification-rules", new
        {
            name = "Tell ops about failures",
            @event = "RunFailed",
            channel = "Email",
            target = "ops@store.example",
            jobId = job.Id,
        }, Ct);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var rule = (await response.Content.ReadFromJsonAsync<NotificationRuleDto>(Ct))!;
        Assert.Equal((tenant.RetailerId, NotificationEvent.RunFailed, NotificationChannel.Email, job.Id, true), (rule.RetailerId, rule.Event, rule.Channel, rule.JobId, rule.Enabled));

        var update = await client.PutAsJsonAsync($"/api/v1/notification-rules/{rule.Id}", new
        {
            name = "Slack when agents drop",
            @event = "AgentOffline",
            channel = "Slack",
            target = "https://hooks.slack.example/services/T000/B000",
            enabled = false,
            version = rule.Version,
        }, Ct);
        Assert.Equal(HttpStatusCode.OK, update.StatusCode);
        var updated = (await update.Content.ReadFromJsonAsync<NotificationRuleDto>(Ct))!;
        Assert.Equal((NotificationEvent.AgentOffline, NotificationChannel.Slack, (Guid?)null, false, rule.Version + 1), (updated.Event, updated.Channel, updated.JobId, updated.Enabled, updated.Version));

        var page = await tenant.Technician.Client.GetFromJsonAsync<PagedResult<NotificationRuleDto>>("/api/v1/notification-rules?channel=Slack&enabled=false&search=agents", Ct);
        Assert.Equal(rule.Id, Assert.Single(page!.Items).Id);
        Assert.Empty((await tenant.Technician.Client.GetFromJsonAsync<PagedResult<NotificationRuleDto>>("/api/v1/notification-rules?event=RunFailed", Ct))!.Items);

        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/api/v1/notification-rules/{rule.Id}", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/v1/notification-rules/{rule.Id}", Ct)).StatusCode);
    }

    [Theory, DatabaseData]
    public async Task Target_must_suit_the_channel(DatabaseProvider provider)
    {
        var tenant = await (await apps.GetAsync(provider)).CreateTenantAsync();

        foreach (var (channel, target) in new[]
        {
            ("Email", "not an address"),
            ("Email", "Ops <ops@store.example>"),
            ("Webhook", "/relative/hook"),
            ("Teams", "ftp://files.example/hook"),
            ("Slack", "ops@store.example"),
        })
        {
            var response = await tenant.Admin.Client.PostAsJsonAsync("/api/v1/notification-rules", new { name = $"rule {channel}", @event = "RunFailed", channel, target }, Ct);
            Assert.Contains("target", (await response.ReadFieldErrorsAsync()).Keys, StringComparer.OrdinalIgnoreCase);
        }

        var webhook = await tenant.Admin.Client.PostAsJsonAsync("/api/v1/notification-rules", new { name = "hook", @event = "RunSucceeded", channel = "Webhook", target = "http://intranet.store.example/hook" }, Ct);
        Assert.Equal(HttpStatusCode.Created, webhook.StatusCode);
    }

    [Theory, DatabaseData]
    public async Task Bad_rule_input_answers_400_with_field_errors(DatabaseProvider provider)
    {
        var app = await apps.GetAsync(provider);
        var tenant = await app.CreateTenantAsync();
        var other = await app.CreateTenantAsync();
        var foreignJob = await other.AddJobAsync();
        var existing = await tenant.AddAsync(new NotificationRule { RetailerId = tenant.RetailerId, Name = "taken", Target = "a@store.example" });
        var client = tenant.Admin.Client;

        var missing = await client.PostAsJsonAsync("/api/v1/notification-rules", new { name = "incomplete" }, Ct);
        var missingErrors = await missing.ReadFieldErrorsAsync();
        Assert.All(new[] { "event", "channel", "target" }, field => Assert.Contains(field, missingErrors.Keys, StringComparer.OrdinalIgnoreCase));

        var unknownEvent = await client.PostAsJsonAsync("/api/v1/notification-rules", new { name = "x", @event = "StoreOnFire", channel = "Email", target = "a@store.example" }, Ct);
        Assert.Contains("event", (await unknownEvent.ReadFieldErrorsAsync()).Keys, StringComparer.OrdinalIgnoreCase);

        var numericChannel = await client.PostAsJsonAsync("/api/v1/notification-rules", new { name = "x", @event = "RunFailed", channel = 1, target = "a@store.example" }, Ct);
        Assert.Contains("channel", (await numericChannel.ReadFieldErrorsAsync()).Keys, StringComparer.OrdinalIgnoreCase);

        var shape = await client.PostAsJsonAsync("/api/v1/notification-rules", new { name = "", @event = "RunFailed", channel = "Email", target = new string('a', 490) + "@store.example" }, Ct);
        var shapeErrors = await shape.ReadFieldErrorsAsync();
        Assert.Contains("name", shapeErrors.Keys, StringComparer.OrdinalIgnoreCase);
        Assert.Contains("target", shapeErrors.Keys, StringComparer.OrdinalIgnoreCase);

        var references = await client.PostAsJsonAsync("/api/v1/notification-rules", new { name = existing.Name, @event = "RunFailed", channel = "Email", target = "a@store.example", jobId = foreignJob.Id }, Ct);
        var referenceErrors = await references.ReadFieldErrorsAsync();
        Assert.Contains("name", referenceErrors.Keys, StringComparer.OrdinalIgnoreCase);
        Assert.Contains("No job", Assert.Single(referenceErrors["jobId"]), StringComparison.Ordinal);
    }

    [Theory, DatabaseData]
    public async Task Technician_reads_rules_but_cannot_change_them(DatabaseProvider provider)
    {
        var tenant = await (await apps.GetAsync(provider)).CreateTenantAsync();
        var rule = await tenant.AddAsync(new NotificationRule { RetailerId = tenant.RetailerId, Name = "r", Target = "a@store.example" });
        var client = tenant.Technician.Client;

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/api/v1/notification-rules/{rule.Id}", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.PostAsJsonAsync("/api/v1/notification-rules", new { name = "x", @event = "RunFailed", channel = "Email", target = "a@store.example" }, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.PutAsJsonAsync($"/api/v1/notification-rules/{rule.Id}", new { name = "x", @event = "RunFailed", channel = "Email", target = "a@store.example", version = rule.Version }, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.DeleteAsync($"/api/v1/notification-rules/{rule.Id}", Ct)).StatusCode);
    }

    [Theory, DatabaseData]
    public async Task Stale_version_answers_409(DatabaseProvider provider)
    {
        var tenant = await (await apps.GetAsync(provider)).CreateTenantAsync();
        var rule = await tenant.AddAsync(new NotificationRule { RetailerId = tenant.RetailerId, Name = "r", Target = "a@store.example" });
        var body = new { name = "r2", @event = "RunFailed", channel = "Email", target = "b@store.example", version = rule.Version };

        Assert.Equal(HttpStatusCode.OK, (await tenant.Admin.Client.PutAsJsonAsync($"/api/v1/notification-rules/{rule.Id}", body, Ct)).StatusCode);
        await (await tenant.Admin.Client.PutAsJsonAsync($"/api/v1/notification-rules/{rule.Id}", body with { name = "r3" }, Ct)).ReadProblemDetailAsync(HttpStatusCode.Conflict);
    }

    [Theory, DatabaseData]
    public async Task Another_retailers_rule_answers_404(DatabaseProvider provider)
    {
        var app = await apps.GetAsync(provider);
        var tenant = await app.CreateTenantAsync();
        var other = await app.CreateTenantAsync();
        var foreign = await other.AddAsync(new NotificationRule { RetailerId = other.RetailerId, Name = "theirs", Target = "a@store.example" });
        var client = tenant.Admin.Client;

        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/v1/notification-rules/{foreign.Id}", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.PutAsJsonAsync($"/api/v1/notification-rules/{foreign.Id}", new { name = "x", @event = "RunFailed", channel = "Email", target = "a@store.example", version = foreign.Version }, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.DeleteAsync($"/api/v1/notification-rules/{foreign.Id}", Ct)).StatusCode);
        Assert.Empty((await client.GetFromJsonAsync<PagedResult<NotificationRuleDto>>($"/api/v1/notification-rules?retailerId={other.RetailerId}", Ct))!.Items);
    }
}
