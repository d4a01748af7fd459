using System.Net;
using System.Net.Http.Json;
using GrocerySync.Contracts;
using GrocerySync.Hub.Data;
using GrocerySync.Hub.Data.Entities;
using GrocerySync.Hub.Features.Plugins;
using GrocerySync.Hub.Tests.Infrastructure;

namespace GrocerySync.Hub.Tests.Features.Plugins;

public sealed class PluginsApiTests(HubApps apps)
{
    [Theory, DatabaseData]
    public async Task Plugins_are_listed_by_kind_and_search_with_versions_newest_first(DatabaseProvider provider)
    {
        var app = await apps.GetAsync(provider);
        var tenant = await app.CreateTenantAsync();
        var marker = $"t{Guid.NewGuid():N}"[..12];
        var csv = await AddPluginAsync(app, $"{marker}.source.delimited-file", PluginKind.Source, "Delimited file", "1.2.0", "1.10.0", "1.10.0-beta.2", "1.9.3", "2.0.0-alpha");
        var sftp = await AddPluginAsync(app, $"{marker}.destination.sftp", PluginKind.Destination, $"SFTP {marker.ToUpperInvariant()}", "0.1.0");
        var client = tenant.Technician.Client;

        var all = await ListAsync(client, $"search={marker}");
        Assert.Equal([csv.Id, sftp.Id], all.Select(p => p.Id));
        Assert.Equal(["2.0.0-alpha", "1.10.0", "1.10.0-beta.2", "1.9.3", "1.2.0"], all[0].Versions.Select(v => v.Version));
        Assert.Equal("2.0.0-alpha", all[0].LatestVersion);

        Assert.Equal([sftp.Id], (await ListAsync(client, $"search={marker}&kind=Destination")).Select(p => p.Id));
        // The display name matches case-insensitively too.
        Assert.Equal([sftp.Id], (await ListAsync(client, $"search=sftp%20{marker.ToUpperInvariant()}")).Select(p => p.Id));
        Assert.Equal([sftp.Id, csv.Id], (await ListAsync(client, $"search={marker}&ordering=id")).Select(p => p.Id));
    }

    [Theory, DatabaseData]
    public async Task A_plugin_is_read_by_its_id_with_every_version_and_its_settings_schema(DatabaseProvider provider)
    {
        var app = await apps.GetAsync(provider);
        var tenant = await app.CreateTenantAsync();
        var id = $"t{Guid.NewGuid():N}"[..12] + ".adapter.google-merchant";
        await AddPluginAsync(app, id, PluginKind.Adapter, "Google Merchant Center", "1.0.0", "1.0.1", "0.9.0");
        var ct = TestContext.Current.CancellationToken;

        var plugin = await tenant.Admin.Client.GetFromJsonAsync<PluginDto>($"/api/v1/plugins/{id}", ct);

        Assert.Equal(PluginKind.Adapter, plugin!.Kind);
        Assert.Equal(["1.0.1", "1.0.0", "0.9.0"], plugin.Versions.Select(v => v.Version));
        Assert.Equal("string", (string?)plugin.Versions[0].SettingsSchema["properties"]!["feedTitle"]!["type"]);
        Assert.Equal(new string('a', 64), plugin.Versions[0].Sha256);
        Assert.Equal(HttpStatusCode.NotFound, (await tenant.Admin.Client.GetAsync($"/api/v1/plugins/{id}.missing", ct)).StatusCode);
    }

    private static async Task<PluginPackage> AddPluginAsync(HubApp app, string id, PluginKind kind, string displayName, params string[] versions)
    {
        var package = new PluginPackage
        {
            Id = id,
            Kind = kind,
            DisplayName = displayName,
            Versions = [.. versions.Select((v, i) => new PluginVersion
            {
                PluginId = id,
                Version = v,
                Sha256 = new string('a', 64),
                MinimumAgentVersion = "1.0.0",
                SettingsSchema = """{"type":"object","properties":{"feedTitle":{"type":"string"}}}""",
                PublishedAt = DateTimeOffset.UnixEpoch.AddDays(i),
            })],
        };
        await app.WithDbAsync(db =>
        {
            db.PluginPackages.Add(package);
            return db.SaveChangesAsync();
        });
        return package;
    }

    private static async Task<List<PluginSummaryDto>> ListAsync(HttpClient client, string query) =>
        [.. (await client.GetFromJsonAsync<PagedResult<PluginSummaryDto>>($"/api/v1/plugins?{query}", TestContext.Current.CancellationToken))!.Items];
}
