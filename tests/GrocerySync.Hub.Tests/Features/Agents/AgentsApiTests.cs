using System.Net;
using System.Net.Http.Json;
using GrocerySync.Contracts;
using GrocerySync.Hub.Data;
using GrocerySync.Hub.Features.Agents;
using GrocerySync.Hub.Tests.Infrastructure;

namespace GrocerySync.Hub.Tests.Features.Agents;

public sealed class AgentsApiTests(HubApps apps)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory, DatabaseData]
    public async Task Technician_registers_an_agent_and_finds_it_in_the_list(DatabaseProvider provider)
    {
        var tenant = await (await apps.GetAsync(provider)).CreateTenantAsync();

        var response = await tenant.Technician.Client.PostAsJsonAsync("/api/v1/agents", new { name = "Store 042 back office", heartbeatIntervalSeconds = 60 }, Ct);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var agent = (await response.Content.ReadFromJsonAsync<AgentDto>(Ct))!;
        Assert.Equal($"/api/v1/agents/{agent.Id}", response.Headers.Location?.OriginalString);
        Assert.Equal(tenant.RetailerId, agent.RetailerId);
        Assert.Equal(AgentStatus.Pending, agent.Status);
        Assert.Equal(60, agent.HeartbeatIntervalSeconds);
        Assert.Equal(1, agent.Version);

        var page = await tenant.Admin.Client.GetFromJsonAsync<PagedResult<AgentDto>>("/api/v1/agents?search=STORE 042&status=Pending", Ct);
        Assert.Equal(agent.Id, Assert.Single(page!.Items).Id);
        var fetched = await tenant.Technician.Client.GetFromJsonAsync<AgentDto>($"/api/v1/agents/{agent.Id}", Ct);
        Assert.Equal((agent.Id, agent.Name, agent.Version), (fetched!.Id, fetched.Name, fetched.Version));
    }

    [Theory, DatabaseData]
    public async Task List_searches_host_names_filters_and_orders(DatabaseProvider provider)
    {
        var tenant = await (await apps.GetAsync(provider)).CreateTenantAsync();
        var first = await tenant.AddAsync(new Data.Entities.Agent { RetailerId = tenant.RetailerId, Name = "b-agent", HostName = "POS-SERVER-7", Status = AgentStatus.Online });
        var second = await tenant.AddAsync(new Data.Entities.Agent { RetailerId = tenant.RetailerId, Name = "a-agent", HostName = "pos-server-8", Status = AgentStatus.Online });
        await tenant.AddAsync(new Data.Entities.Agent { RetailerId = tenant.RetailerId, Name = "c-agent", HostName = "office", Status = AgentStatus.Offline });

        var page = await tenant.Technician.Client.GetFromJsonAsync<PagedResult<AgentDto>>("/api/v1/agents?search=pos-server&ordering=-name", Ct);
        Assert.Equal([first.Id, second.Id], page!.Items.Select(a => a.Id));

        var online = await tenant.Technician.Client.GetFromJsonAsync<PagedResult<AgentDto>>("/api/v1/agents?status=Online", Ct);
        Assert.Equal([second.Id, first.Id], online!.Items.Select(a => a.Id));

        var badOrdering = await tenant.Technician.Client.GetAsync("/api/v1/agents?ordering=apiKeyHash", Ct);
        Assert.Contains("ordering", (await badOrdering.ReadFieldErrorsAsync()).Keys, StringComparer.OrdinalIgnoreCase);
        var badStatus = await tenant.Technician.Client.GetAsync("/api/v1/agents?status=Sleeping", Ct);
        Assert.Equal(HttpStatusCode.BadRequest, badStatus.StatusCode);
    }

    [Theory, DatabaseData]
    public async Task Agent_responses_show_the_key_prefix_but_never_the_key_hash(DatabaseProvider provider)
    {
        var tenant = await (await apps.GetAsync(provider)).CreateTenantAsync();
        var hash = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray()) + "feedfacecafebeef";
        var prefix = $"gsa_{Guid.NewGuid():N}"[..16];
        var agent = await tenant.AddAsync(new Data.Entities.Agent { RetailerId = tenant.RetailerId, Name = "keyed", ApiKeyHash = hash, ApiKeyPrefix = prefix });

        var single = await tenant.Admin.Client.GetStringAsync($"/api/v1/agents/{agent.Id}", Ct);
        var list = await tenant.Admin.Client.GetStringAsync("/api/v1/agents", Ct);

        foreach (var json in new[] { single, list })
        {
            Assert.Contains(prefix, json, StringComparison.Ordinal);
            Assert.DoesNotContain(hash, json, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("apiKeyHash", json, StringComparison.OrdinalIgnoreCase);
        }
    }

    [Theory, DatabaseData]
    public async Task Retailer_admin_updates_an_agent_and_a_stale_version_answers_409(DatabaseProvider provider)
    {
        var tenant = await (await apps.GetAsync(provider)).CreateTenantAsync();
        var agent = await tenant.AddAgentAsync();

        var response = await tenant.Admin.Client.PutAsJsonAsync($"/api/v1/agents/{agent.Id}", new { name = "  Renamed  ", heartbeatIntervalSeconds = 3600, version = agent.Version }, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var updated = (await response.Content.ReadFromJsonAsync<AgentDto>(Ct))!;
        Assert.Equal("Renamed", updated.Name);
        Assert.Equal(3600, updated.HeartbeatIntervalSeconds);
        Assert.Equal(agent.Version + 1, updated.Version);

        var stale = await tenant.Admin.Client.PutAsJsonAsync($"/api/v1/agents/{agent.Id}", new { name = "Again", heartbeatIntervalSeconds = 30, version = agent.Version }, Ct);
        Assert.Contains("changed by someone else", await stale.ReadProblemDetailAsync(HttpStatusCode.Conflict), StringComparison.Ordinal);
        var stored = await tenant.Admin.Client.GetFromJsonAsync<AgentDto>($"/api/v1/agents/{agent.Id}", Ct);
        Assert.Equal("Renamed", stored!.Name);
    }

    [Theory, DatabaseData]
    public async Task Bad_agent_input_answers_400_with_field_errors(DatabaseProvider provider)
    {
        var tenant = await (await apps.GetAsync(provider)).CreateTenantAsync();
        var existing = await tenant.AddAgentAsync();

        var outOfRange = await tenant.Admin.Client.PostAsJsonAsync("/api/v1/agents", new { name = new string('x', 201), heartbeatIntervalSeconds = 4 }, Ct);
        var errors = await outOfRange.ReadFieldErrorsAsync();
        Assert.Contains("name", errors.Keys, StringComparer.OrdinalIgnoreCase);
        Assert.Contains("heartbeatIntervalSeconds", errors.Keys, StringComparer.OrdinalIgnoreCase);

        var tooSlow = await tenant.Admin.Client.PostAsJsonAsync("/api/v1/agents", new { name = "slow", heartbeatIntervalSeconds = 3601 }, Ct);
        Assert.Contains("heartbeatIntervalSeconds", (await tooSlow.ReadFieldErrorsAsync()).Keys, StringComparer.OrdinalIgnoreCase);

        var wrongType = await tenant.Admin.Client.PostAsJsonAsync("/api/v1/agents", new { name = "typed", heartbeatIntervalSeconds = "often" }, Ct);
        Assert.Contains("heartbeatIntervalSeconds", (await wrongType.ReadFieldErrorsAsync()).Keys, StringComparer.OrdinalIgnoreCase);

        var missingName = await tenant.Admin.Client.PostAsJsonAsync("/api/v1/agents", new { }, Ct);
        Assert.Contains("name", (await missingName.ReadFieldErrorsAsync()).Keys, StringComparer.OrdinalIgnoreCase);

        var missingVersion = await tenant.Admin.Client.PutAsJsonAsync($"/api/v1/agents/{existing.Id}", new { name = "no version" }, Ct);
        Assert.Contains("version", (await missingVersion.ReadFieldErrorsAsync()).Keys, StringComparer.OrdinalIgnoreCase);

        var duplicate = await tenant.Admin.Client.PostAsJsonAsync("/api/v1/agents", new { name = existing.Name }, Ct);
        Assert.Contains("exists already", Assert.Single((await duplicate.ReadFieldErrorsAsync())["name"]), StringComparison.Ordinal);
    }

    [Theory, DatabaseData]
    public async Task Technician_cannot_update_delete_or_revoke_an_agent(DatabaseProvider provider)
    {
        var tenant = await (await apps.GetAsync(provider)).CreateTenantAsync();
        var agent = await tenant.AddAgentAsync();
        var client = tenant.Technician.Client;

        Assert.Equal(HttpStatusCode.Forbidden, (await client.PutAsJsonAsync($"/api/v1/agents/{agent.Id}", new { name = "x", version = agent.Version }, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.DeleteAsync($"/api/v1/agents/{agent.Id}", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.PostAsync($"/api/v1/agents/{agent.Id}/revoke", null, Ct)).StatusCode);
        var stored = await client.GetFromJsonAsync<AgentDto>($"/api/v1/agents/{agent.Id}", Ct);
        Assert.Equal(AgentStatus.Pending, stored!.Status);
    }

    [Theory, DatabaseData]
    public async Task Revoking_records_who_and_when_and_keeps_everything_else(DatabaseProvider provider)
    {
        var tenant = await (await apps.GetAsync(provider)).CreateTenantAsync();
        var agent = await tenant.AddAsync(new Data.Entities.Agent { RetailerId = tenant.RetailerId, Name = "to revoke", ApiKeyPrefix = $"gsa_{Guid.NewGuid():N}"[..16], HostName = "pos-1" });
        var before = DateTimeOffset.UtcNow.AddSeconds(-1);

        var response = await tenant.Admin.Client.PostAsync($"/api/v1/agents/{agent.Id}/revoke", null, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var revoked = (await response.Content.ReadFromJsonAsync<AgentDto>(Ct))!;
        Assert.Equal(AgentStatus.Revoked, revoked.Status);
        Assert.Equal(tenant.Admin.Id, revoked.RevokedBy);
        Assert.InRange(revoked.RevokedAt!.Value, before, DateTimeOffset.UtcNow.AddSeconds(1));
        Assert.Equal(agent.ApiKeyPrefix, revoked.ApiKeyPrefix);
        Assert.Equal("pos-1", revoked.HostName);

        var again = await (await tenant.Admin.Client.PostAsync($"/api/v1/agents/{agent.Id}/revoke", null, Ct)).Content.ReadFromJsonAsync<AgentDto>(Ct);
        // Unchanged: same version, same time (PostgreSQL keeps microseconds, the first answer had ticks).
        Assert.Equal(revoked.Version, again!.Version);
        Assert.Equal(revoked.RevokedAt.Value, again.RevokedAt!.Value, TimeSpan.FromMilliseconds(1));
    }

    [Theory, DatabaseData]
    public async Task Deleting_an_agent_in_use_answers_409_and_an_unused_one_is_deleted(DatabaseProvider provider)
    {
        var tenant = await (await apps.GetAsync(provider)).CreateTenantAsync();
        var used = await tenant.AddAgentAsync();
        await tenant.AddSourceAsync(used);
        var unused = await tenant.AddAgentAsync();

        var conflict = await tenant.Admin.Client.DeleteAsync($"/api/v1/agents/{used.Id}", Ct);
        Assert.Contains("still use this agent", await conflict.ReadProblemDetailAsync(HttpStatusCode.Conflict), StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.NoContent, (await tenant.Admin.Client.DeleteAsync($"/api/v1/agents/{unused.Id}", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await tenant.Admin.Client.GetAsync($"/api/v1/agents/{unused.Id}", Ct)).StatusCode);
    }

    [Theory, DatabaseData]
    public async Task Another_retailers_agent_answers_404(DatabaseProvider provider)
    {
        var app = await apps.GetAsync(provider);
        var tenant = await app.CreateTenantAsync();
        var other = await app.CreateTenantAsync();
        var foreign = await other.AddAgentAsync();
        var client = tenant.Admin.Client;

        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/v1/agents/{foreign.Id}", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.PutAsJsonAsync($"/api/v1/agents/{foreign.Id}", new { name = "mine now", version = foreign.Version }, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.PostAsync($"/api/v1/agents/{foreign.Id}/revoke", null, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.DeleteAsync($"/api/v1/agents/{foreign.Id}", Ct)).StatusCode);
        var page = await client.GetFromJsonAsync<PagedResult<AgentDto>>($"/api/v1/agents?retailerId={other.RetailerId}", Ct);
        Assert.Empty(page!.Items);

        var created = await client.PostAsJsonAsync("/api/v1/agents", new { name = "sneaky", retailerId = other.RetailerId }, Ct);
        Assert.Contains("retailerId", (await created.ReadFieldErrorsAsync()).Keys, StringComparer.OrdinalIgnoreCase);
        var stored = await other.Admin.Client.GetFromJsonAsync<AgentDto>($"/api/v1/agents/{foreign.Id}", Ct);
        Assert.Equal(foreign.Name, stored!.Name);
        Assert.Equal(AgentStatus.Pending, stored.Status);
    }

    [Theory, DatabaseData]
    public async Task Platform_admin_names_the_retailer_of_a_new_agent(DatabaseProvider provider)
    {
        var app = await apps.GetAsync(provider);
        var tenant = await app.CreateTenantAsync();

        var unnamed = await app.PlatformAdmin.Client.PostAsJsonAsync("/api/v1/agents", new { name = "platform-made" }, Ct);
        Assert.Contains("retailerId", (await unnamed.ReadFieldErrorsAsync()).Keys, StringComparer.OrdinalIgnoreCase);

        var named = await app.PlatformAdmin.Client.PostAsJsonAsync("/api/v1/agents", new { name = "platform-made", retailerId = tenant.RetailerId }, Ct);
        Assert.Equal(HttpStatusCode.Created, named.StatusCode);
        var agent = await named.Content.ReadFromJsonAsync<AgentDto>(Ct);
        Assert.Equal(tenant.RetailerId, agent!.RetailerId);
        Assert.Equal(30, agent.HeartbeatIntervalSeconds);
    }
}
