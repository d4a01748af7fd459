using System.Net;
using System.Net.Http.Json;
using GrocerySync.Contracts;
using GrocerySync.Hub.Data;
using GrocerySync.Hub.Features.Sources;
using GrocerySync.Hub.Security;
using GrocerySync.Hub.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace GrocerySync.Hub.Tests.Features.Sources;

public sealed class SourcesApiTests(HubApps apps)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory, DatabaseData]
    public async Task Secrets_are_stored_encrypted_and_never_returned(DatabaseProvider provider)
    {
        var app = await apps.GetAsync(provider);
        var tenant = await app.CreateTenantAsync();
        var agent = await tenant.AddAgentAsync();
        var password = $"pw-{Guid.NewGuid():N}";

        var response = await tenant.Admin.Client.PostAsJsonAsync("/api/v1/sources", new
        {
            name = "Back office SQL",
            pluginId = "grocerysync.source.sql",
            agentId = agent.Id,
            settings = new { server = "pos-db", database = "catalog" },
            secrets = new Dictionary<string, string> { ["password"] = password },
        }, Ct);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var created = await response.Content.ReadAsStringAsync(Ct);
        var source = (await response.Content.ReadFromJsonAsync<SourceDto>(Ct))!;
        Assert.Equal(new Dictionary<string, string> { ["password"] = SecretProtector.Mask }, source.Secrets);
        Assert.Equal("pos-db", (string?)source.Settings["server"]);
        Assert.Equal(agent.Id, source.AgentId);

        var single = await tenant.Technician.Client.GetStringAsync($"/api/v1/sources/{source.Id}", Ct);
        var list = await tenant.Technician.Client.GetStringAsync("/api/v1/sources", Ct);
        foreach (var json in new[] { created, single, list })
        {
            Assert.DoesNotContain(password, json, StringComparison.Ordinal);
            Assert.DoesNotContain("encryptedSecrets", json, StringComparison.OrdinalIgnoreCase);
            Assert.Contains("\"password\":\"********\"", json, StringComparison.Ordinal);
        }

        var stored = await app.QueryDbAsync(db => db.Sources.AsNoTracking().SingleAsync(s => s.Id == source.Id, Ct));
        Assert.Equal("password", stored.SecretNames);
        Assert.NotNull(stored.EncryptedSecrets);
        Assert.DoesNotContain(password, stored.EncryptedSecrets, StringComparison.Ordinal);
        Assert.Equal(password, app.Services.GetRequiredService<SecretProtector>().Unprotect(stored.EncryptedSecrets)["password"]);
    }

    [Theory, DatabaseData]
    public async Task Update_keeps_omitted_secrets_replaces_given_ones_and_removes_nulls(DatabaseProvider provider)
    {
        var app = await apps.GetAsync(provider);
        var tenant = await app.CreateTenantAsync();
        var agent = await tenant.AddAgentAsync();
        var created = await tenant.Admin.Client.PostAsJsonAsync("/api/v1/sources", new
        {
            name = "Feed",
            pluginId = "grocerysync.source.http",
            agentId = agent.Id,
            secrets = new Dictionary<string, string> { ["password"] = "first-password", ["apiKey"] = "first-key" },
        }, Ct);
        var source = (await created.Content.ReadFromJsonAsync<SourceDto>(Ct))!;

        var kept = await PutAsync(tenant, source, secrets: null);
        Assert.Equal(["apiKey", "password"], kept.Secrets.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(new Dictionary<string, string> { ["password"] = "first-password", ["apiKey"] = "first-key" }, await DecryptAsync(app, source.Id));

        var changed = await PutAsync(tenant, kept, secrets: new Dictionary<string, string?> { ["apiKey"] = null, ["password"] = "second-password", ["token"] = "new-token" });
        Assert.Equal(["password", "token"], changed.Secrets.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(new Dictionary<string, string> { ["password"] = "second-password", ["token"] = "new-token" }, await DecryptAsync(app, source.Id));

        var cleared = await PutAsync(tenant, changed, secrets: new Dictionary<string, string?> { ["password"] = null, ["token"] = null });
        Assert.Empty(cleared.Secrets);
        var stored = await app.QueryDbAsync(db => db.Sources.AsNoTracking().SingleAsync(s => s.Id == source.Id, Ct));
        Assert.Null(stored.EncryptedSecrets);
        Assert.Equal(string.Empty, stored.SecretNames);
    }

    [Theory, DatabaseData]
    public async Task Technician_reads_sources_but_cannot_create_change_or_delete_them(DatabaseProvider provider)
    {
        var tenant = await (await apps.GetAsync(provider)).CreateTenantAsync();
        var agent = await tenant.AddAgentAsync();
        var source = await tenant.AddSourceAsync(agent);
        var client = tenant.Technician.Client;

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/api/v1/sources/{source.Id}", Ct)).StatusCode);
        var create = await client.PostAsJsonAsync("/api/v1/sources", new { name = "x", pluginId = "p", agentId = agent.Id, secrets = new { password = "p" } }, Ct);
        Assert.Equal(HttpStatusCode.Forbidden, create.StatusCode);
        var update = await client.PutAsJsonAsync($"/api/v1/sources/{source.Id}", new { name = "x", pluginId = "p", agentId = agent.Id, version = source.Version, secrets = new { password = "p" } }, Ct);
        Assert.Equal(HttpStatusCode.Forbidden, update.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.DeleteAsync($"/api/v1/sources/{source.Id}", Ct)).StatusCode);
        var stored = await tenant.App.QueryDbAsync(db => db.Sources.AsNoTracking().SingleAsync(s => s.Id == source.Id, Ct));
        Assert.Equal((source.Name, (string?)null), (stored.Name, stored.EncryptedSecrets));
    }

    [Theory, DatabaseData]
    public async Task Bad_source_input_answers_400_with_field_errors(DatabaseProvider provider)
    {
        var app = await apps.GetAsync(provider);
        var tenant = await app.CreateTenantAsync();
        var other = await app.CreateTenantAsync();
        var foreignAgent = await other.AddAgentAsync();
        var agent = await tenant.AddAgentAsync();
        var existing = await tenant.AddSourceAsync(agent);
        var client = tenant.Admin.Client;

        var shape = await client.PostAsJsonAsync("/api/v1/sources", new
        {
            name = (string?)null,
            pluginId = new string('p', 129),
            agentId = agent.Id,
            secrets = new Dictionary<string, string> { ["pass,word"] = "x" },
        }, Ct);
        var errors = await shape.ReadFieldErrorsAsync();
        Assert.Contains("name", errors.Keys, StringComparer.OrdinalIgnoreCase);
        Assert.Contains("pluginId", errors.Keys, StringComparer.OrdinalIgnoreCase);
        Assert.Contains("secrets", errors.Keys, StringComparer.OrdinalIgnoreCase);

        var missing = await client.PostAsJsonAsync("/api/v1/sources", new { }, Ct);
        var missingErrors = await missing.ReadFieldErrorsAsync();
        Assert.All(new[] { "name", "pluginId", "agentId" }, field => Assert.Contains(field, missingErrors.Keys, StringComparer.OrdinalIgnoreCase));

        var emptySecret = await client.PostAsJsonAsync("/api/v1/sources", new { name = "n", pluginId = "p", agentId = agent.Id, secrets = new { password = "" } }, Ct);
        Assert.Contains("secrets", (await emptySecret.ReadFieldErrorsAsync()).Keys, StringComparer.OrdinalIgnoreCase);

        var wrongType = await client.PostAsJsonAsync("/api/v1/sources", new { name = "n", pluginId = "p", agentId = agent.Id, settings = "not an object" }, Ct);
        Assert.Contains("settings", (await wrongType.ReadFieldErrorsAsync()).Keys, StringComparer.OrdinalIgnoreCase);

        var secretNotText = await client.PostAsJsonAsync("/api/v1/sources", new { name = "n", pluginId = "p", agentId = agent.Id, secrets = new { password = 42 } }, Ct);
        Assert.Contains("secrets.password", (await secretNotText.ReadFieldErrorsAsync()).Keys, StringComparer.OrdinalIgnoreCase);

        var references = await client.PostAsJsonAsync("/api/v1/sources", new { name = existing.Name, pluginId = "p", agentId = foreignAgent.Id }, Ct);
        var referenceErrors = await references.ReadFieldErrorsAsync();
        Assert.Contains("exists already", Assert.Single(referenceErrors["name"]), StringComparison.Ordinal);
        Assert.Contains("No agent", Assert.Single(referenceErrors["agentId"]), StringComparison.Ordinal);
    }

    [Theory, DatabaseData]
    public async Task Stale_version_answers_409_and_changes_nothing(DatabaseProvider provider)
    {
        var tenant = await (await apps.GetAsync(provider)).CreateTenantAsync();
        var agent = await tenant.AddAgentAsync();
        var source = await tenant.AddSourceAsync(agent);

        var first = await tenant.Admin.Client.PutAsJsonAsync($"/api/v1/sources/{source.Id}", new { name = "first", pluginId = source.PluginId, agentId = agent.Id, version = source.Version }, Ct);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var second = await tenant.Admin.Client.PutAsJsonAsync($"/api/v1/sources/{source.Id}", new { name = "second", pluginId = source.PluginId, agentId = agent.Id, version = source.Version, secrets = new { password = "late" } }, Ct);

        await second.ReadProblemDetailAsync(HttpStatusCode.Conflict);
        var stored = await tenant.App.QueryDbAsync(db => db.Sources.AsNoTracking().SingleAsync(s => s.Id == source.Id, Ct));
        Assert.Equal(("first", (string?)null), (stored.Name, stored.EncryptedSecrets));
    }

    [Theory, DatabaseData]
    public async Task A_source_with_jobs_cannot_move_agent_or_be_deleted(DatabaseProvider provider)
    {
        var tenant = await (await apps.GetAsync(provider)).CreateTenantAsync();
        var job = await tenant.AddJobAsync();
        var otherAgent = await tenant.AddAgentAsync();
        var source = await tenant.App.QueryDbAsync(db => db.Sources.AsNoTracking().SingleAsync(s => s.Id == job.SourceId, Ct));

        var move = await tenant.Admin.Client.PutAsJsonAsync($"/api/v1/sources/{source.Id}", new { name = source.Name, pluginId = source.PluginId, agentId = otherAgent.Id, version = source.Version }, Ct);
        Assert.Contains("agentId", (await move.ReadFieldErrorsAsync()).Keys, StringComparer.OrdinalIgnoreCase);

        var delete = await tenant.Admin.Client.DeleteAsync($"/api/v1/sources/{source.Id}", Ct);
        Assert.Contains("Jobs still read from this source", await delete.ReadProblemDetailAsync(HttpStatusCode.Conflict), StringComparison.Ordinal);

        var unused = await tenant.AddSourceAsync(otherAgent);
        Assert.Equal(HttpStatusCode.NoContent, (await tenant.Admin.Client.DeleteAsync($"/api/v1/sources/{unused.Id}", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await tenant.Admin.Client.GetAsync($"/api/v1/sources/{unused.Id}", Ct)).StatusCode);
    }

    [Theory, DatabaseData]
    public async Task List_filters_by_agent_and_plugin_and_searches_names(DatabaseProvider provider)
    {
        var tenant = await (await apps.GetAsync(provider)).CreateTenantAsync();
        var agent = await tenant.AddAgentAsync();
        var otherAgent = await tenant.AddAgentAsync();
        var wanted = await tenant.AddSourceAsync(agent, "Catalog CSV");
        await tenant.AddSourceAsync(otherAgent, "Catalog on other agent");
        await tenant.AddAsync(new Data.Entities.Source { RetailerId = tenant.RetailerId, Name = "Catalog SQL", PluginId = "grocerysync.source.sql", AgentId = agent.Id });

        var page = await tenant.Technician.Client.GetFromJsonAsync<PagedResult<SourceDto>>(
            $"/api/v1/sources?agentId={agent.Id}&pluginId=grocerysync.source.delimited-file&search=catalog", Ct);

        Assert.Equal(wanted.Id, Assert.Single(page!.Items).Id);
        Assert.Empty(Assert.Single(page.Items).Secrets);
    }

    [Theory, DatabaseData]
    public async Task Another_retailers_source_answers_404(DatabaseProvider provider)
    {
        var app = await apps.GetAsync(provider);
        var tenant = await app.CreateTenantAsync();
        var other = await app.CreateTenantAsync();
        var foreign = await other.AddSourceAsync(await other.AddAgentAsync());
        var client = tenant.Admin.Client;

        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/v1/sources/{foreign.Id}", Ct)).StatusCode);
        var update = await client.PutAsJsonAsync($"/api/v1/sources/{foreign.Id}", new { name = "mine", pluginId = "p", agentId = foreign.AgentId, version = foreign.Version, secrets = new { password = "x" } }, Ct);
        Assert.Equal(HttpStatusCode.NotFound, update.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.DeleteAsync($"/api/v1/sources/{foreign.Id}", Ct)).StatusCode);
        Assert.Empty((await client.GetFromJsonAsync<PagedResult<SourceDto>>($"/api/v1/sources?retailerId={other.RetailerId}", Ct))!.Items);
        var stored = await app.QueryDbAsync(db => db.Sources.AsNoTracking().SingleAsync(s => s.Id == foreign.Id, Ct));
        Assert.Equal((foreign.Name, (string?)null), (stored.Name, stored.EncryptedSecrets));
    }

    private static async Task<SourceDto> PutAsync(TestTenant tenant, SourceDto source, Dictionary<string, string?>? secrets)
    {
        var response = await tenant.Admin.Client.PutAsJsonAsync($"/api/v1/sources/{source.Id}", new
        {
            name = source.Name,
            pluginId = source.PluginId,
            agentId = source.AgentId,
            settings = source.Settings,
            secrets,
            version = source.Version,
        }, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<SourceDto>(Ct))!;
    }

    private static async Task<Dictionary<string, string>> DecryptAsync(HubApp app, Guid sourceId)
    {
        var stored = await app.QueryDbAsync(db => db.Sources.AsNoTracking().SingleAsync(s => s.Id == sourceId, Ct));
        return app.Services.GetRequiredService<SecretProtector>().Unprotect(stored.EncryptedSecrets);
    }
}
