using System.Net;
using System.Net.Http.Json;
using GrocerySync.Contracts;
using GrocerySync.Hub.Data;
using GrocerySync.Hub.Data.Entities;
using GrocerySync.Hub.Features.Destinations;
using GrocerySync.Hub.Security;
using GrocerySync.Hub.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace GrocerySync.Hub.Tests.Features.Destinations;

public sealed class DestinationsApiTests(HubApps apps)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory, DatabaseData]
    public async Task Secrets_are_stored_encrypted_and_never_returned(DatabaseProvider provider)
    {
        var app = await apps.GetAsync(provider);
        var tenant = await app.CreateTenantAsync();
        var key = $"key-{Guid.NewGuid():N}";

        var response = await tenant.Admin.Client.PostAsJsonAsync("/api/v1/destinations", new
        {
            name = "Partner SFTP drop",
            pluginId = "grocerysync.destination.sftp",
            settings = new { host = "sftp.partner.example", port = 22 },
            secrets = new Dictionary<string, string> { ["privateKey"] = key },
        }, Ct);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var created = await response.Content.ReadAsStringAsync(Ct);
        var destination = (await response.Content.ReadFromJsonAsync<DestinationDto>(Ct))!;
        Assert.Equal(new Dictionary<string, string> { ["privateKey"] = SecretProtector.Mask }, destination.Secrets);
        Assert.Equal(ConnectionStatus.Untested, destination.ConnectionStatus);
        Assert.Equal(22, (int?)destination.Settings["port"]);

        var single = await tenant.Technician.Client.GetStringAsync($"/api/v1/destinations/{destination.Id}", Ct);
        var list = await tenant.Technician.Client.GetStringAsync("/api/v1/destinations", Ct);
        foreach (var json in new[] { created, single, list })
        {
            Assert.DoesNotContain(key, json, StringComparison.Ordinal);
            Assert.DoesNotContain("encryptedSecrets", json, StringComparison.OrdinalIgnoreCase);
            Assert.Contains("\"privateKey\":\"********\"", json, StringComparison.Ordinal);
        }

        var stored = await app.QueryDbAsync(db => db.Destinations.AsNoTracking().SingleAsync(d => d.Id == destination.Id, Ct));
        Assert.Equal("privateKey", stored.SecretNames);
        Assert.DoesNotContain(key, stored.EncryptedSecrets!, StringComparison.Ordinal);
        Assert.Equal(key, app.Services.GetRequiredService<SecretProtector>().Unprotect(stored.EncryptedSecrets)["privateKey"]);
    }

    [Theory, DatabaseData]
    public async Task Update_keeps_omitted_secrets_replaces_given_ones_and_removes_nulls(DatabaseProvider provider)
    {
        var app = await apps.GetAsync(provider);
        var tenant = await app.CreateTenantAsync();
        var created = await tenant.Admin.Client.PostAsJsonAsync("/api/v1/destinations", new
        {
            name = "Shop API",
            pluginId = "grocerysync.destination.http",
            secrets = new Dictionary<string, string> { ["clientSecret"] = "one", ["apiKey"] = "two" },
        }, Ct);
        var destination = (await created.Content.ReadFromJsonAsync<DestinationDto>(Ct))!;

        // "secrets" left out entirely, not sent as null.
        var kept = await tenant.Admin.Client.PutAsJsonAsync($"/api/v1/destinations/{destination.Id}", new { name = "Shop API v2", pluginId = destination.PluginId, version = destination.Version }, Ct);
        var keptDto = (await kept.Content.ReadFromJsonAsync<DestinationDto>(Ct))!;
        Assert.Equal(["apiKey", "clientSecret"], keptDto.Secrets.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(new Dictionary<string, string> { ["clientSecret"] = "one", ["apiKey"] = "two" }, await DecryptAsync(app, destination.Id));

        var changed = await tenant.Admin.Client.PutAsJsonAsync($"/api/v1/destinations/{destination.Id}", new
        {
            name = "Shop API v2",
            pluginId = destination.PluginId,
            version = keptDto.Version,
            secrets = new Dictionary<string, string?> { ["apiKey"] = null, ["clientSecret"] = "three" },
        }, Ct);
        var changedJson = await changed.Content.ReadAsStringAsync(Ct);
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        Assert.DoesNotContain("three", changedJson, StringComparison.Ordinal);
        Assert.Equal(new Dictionary<string, string> { ["clientSecret"] = "three" }, await DecryptAsync(app, destination.Id));
    }

    [Theory, DatabaseData]
    public async Task Technician_cannot_create_change_or_delete_destinations(DatabaseProvider provider)
    {
        var tenant = await (await apps.GetAsync(provider)).CreateTenantAsync();
        var destination = await tenant.AddDestinationAsync();
        var client = tenant.Technician.Client;

        Assert.Equal(HttpStatusCode.Forbidden, (await client.PostAsJsonAsync("/api/v1/destinations", new { name = "x", pluginId = "p", secrets = new { password = "p" } }, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.PutAsJsonAsync($"/api/v1/destinations/{destination.Id}", new { name = "x", pluginId = "p", version = destination.Version, secrets = new { password = "p" } }, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.DeleteAsync($"/api/v1/destinations/{destination.Id}", Ct)).StatusCode);
        var stored = await tenant.App.QueryDbAsync(db => db.Destinations.AsNoTracking().SingleAsync(d => d.Id == destination.Id, Ct));
        Assert.Equal((destination.Name, (string?)null), (stored.Name, stored.EncryptedSecrets));
    }

    [Theory, DatabaseData]
    public async Task Bad_destination_input_answers_400_with_field_errors(DatabaseProvider provider)
    {
        var tenant = await (await apps.GetAsync(provider)).CreateTenantAsync();
        var existing = await tenant.AddDestinationAsync();
        var client = tenant.Admin.Client;

        var shape = await client.PostAsJsonAsync("/api/v1/destinations", new { name = new string('n', 201), pluginId = "", secrets = new Dictionary<string, string> { ["1st"] = "x" } }, Ct);
        var errors = await shape.ReadFieldErrorsAsync();
        Assert.Contains("name", errors.Keys, StringComparer.OrdinalIgnoreCase);
        Assert.Contains("pluginId", errors.Keys, StringComparer.OrdinalIgnoreCase);
        Assert.Contains("secrets", errors.Keys, StringComparer.OrdinalIgnoreCase);

        var missing = await client.PostAsJsonAsync("/api/v1/destinations", new { }, Ct);
        var missingErrors = await missing.ReadFieldErrorsAsync();
        Assert.All(new[] { "name", "pluginId" }, field => Assert.Contains(field, missingErrors.Keys, StringComparer.OrdinalIgnoreCase));

        var duplicate = await client.PostAsJsonAsync("/api/v1/destinations", new { name = existing.Name, pluginId = "p" }, Ct);
        Assert.Contains("name", (await duplicate.ReadFieldErrorsAsync()).Keys, StringComparer.OrdinalIgnoreCase);

        var tooMany = await client.PostAsJsonAsync("/api/v1/destinations", new { name = "many", pluginId = "p", secrets = Enumerable.Range(0, 21).ToDictionary(i => $"s{i}", i => "v") }, Ct);
        Assert.Contains("secrets", (await tooMany.ReadFieldErrorsAsync()).Keys, StringComparer.OrdinalIgnoreCase);

        var badStatus = await client.GetAsync("/api/v1/destinations?connectionStatus=Great", Ct);
        Assert.Equal(HttpStatusCode.BadRequest, badStatus.StatusCode);
    }

    [Theory, DatabaseData]
    public async Task Stale_version_answers_409(DatabaseProvider provider)
    {
        var tenant = await (await apps.GetAsync(provider)).CreateTenantAsync();
        var destination = await tenant.AddDestinationAsync();

        var response = await tenant.Admin.Client.PutAsJsonAsync($"/api/v1/destinations/{destination.Id}", new { name = "x", pluginId = "p", version = destination.Version + 1 }, Ct);

        await response.ReadProblemDetailAsync(HttpStatusCode.Conflict);
    }

    [Theory, DatabaseData]
    public async Task Deleting_a_destination_a_job_uses_answers_409(DatabaseProvider provider)
    {
        var tenant = await (await apps.GetAsync(provider)).CreateTenantAsync();
        var job = await tenant.AddJobAsync();
        var unused = await tenant.AddDestinationAsync();

        var used = await tenant.Admin.Client.DeleteAsync($"/api/v1/destinations/{job.DestinationId}", Ct);
        Assert.Contains("Jobs still deliver", await used.ReadProblemDetailAsync(HttpStatusCode.Conflict), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NoContent, (await tenant.Admin.Client.DeleteAsync($"/api/v1/destinations/{unused.Id}", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await tenant.Admin.Client.GetAsync($"/api/v1/destinations/{unused.Id}", Ct)).StatusCode);
    }

    [Theory, DatabaseData]
    public async Task List_filters_by_plugin_and_connection_status(DatabaseProvider provider)
    {
        var tenant = await (await apps.GetAsync(provider)).CreateTenantAsync();
        var ok = await tenant.AddAsync(new Destination { RetailerId = tenant.RetailerId, Name = "ok sftp", PluginId = "grocerysync.destination.sftp", ConnectionStatus = ConnectionStatus.Ok });
        await tenant.AddAsync(new Destination { RetailerId = tenant.RetailerId, Name = "failed sftp", PluginId = "grocerysync.destination.sftp", ConnectionStatus = ConnectionStatus.Failed });
        await tenant.AddAsync(new Destination { RetailerId = tenant.RetailerId, Name = "ok folder", PluginId = "grocerysync.destination.folder", ConnectionStatus = ConnectionStatus.Ok });

        var page = await tenant.Technician.Client.GetFromJsonAsync<PagedResult<DestinationDto>>(
            "/api/v1/destinations?pluginId=grocerysync.destination.sftp&connectionStatus=Ok", Ct);

        Assert.Equal(ok.Id, Assert.Single(page!.Items).Id);
    }

    [Theory, DatabaseData]
    public async Task Another_retailers_destination_answers_404(DatabaseProvider provider)
    {
        var app = await apps.GetAsync(provider);
        var tenant = await app.CreateTenantAsync();
        var other = await app.CreateTenantAsync();
        var foreign = await other.AddDestinationAsync();
        var client = tenant.Admin.Client;

        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/v1/destinations/{foreign.Id}", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.PutAsJsonAsync($"/api/v1/destinations/{foreign.Id}", new { name = "mine", pluginId = "p", version = foreign.Version }, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.DeleteAsync($"/api/v1/destinations/{foreign.Id}", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await tenant.Technician.Client.PostAsync($"/api/v1/destinations/{foreign.Id}/test", null, Ct)).StatusCode);
        Assert.Empty((await client.GetFromJsonAsync<PagedResult<DestinationDto>>($"/api/v1/destinations?retailerId={other.RetailerId}", Ct))!.Items);
    }

    private static async Task<Dictionary<string, string>> DecryptAsync(HubApp app, Guid destinationId)
    {
        var stored = await app.QueryDbAsync(db => db.Destinations.AsNoTracking().SingleAsync(d => d.Id == destinationId, Ct));
        return app.Services.GetRequiredService<SecretProtector>().Unprotect(stored.EncryptedSecrets);
    }
}
