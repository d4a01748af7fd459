using System.IO.Compression;
using System.Net;
using GrocerySync.Contracts;
using GrocerySync.Hub.Data;
using GrocerySync.Hub.Tests.Features.Dispatch;
using GrocerySync.Hub.Tests.Infrastructure;
using GrocerySync.Plugins.Hosting;
using Microsoft.EntityFrameworkCore;

namespace GrocerySync.Hub.Tests.Features.Plugins;

public sealed class PluginCatalogTests(HubApps apps)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly (string Id, PluginKind Kind)[] BuiltIns =
    [
        ("delimited-file", PluginKind.Source), ("sql", PluginKind.Source),
        ("folder", PluginKind.Destination), ("sftp", PluginKind.Destination), ("http", PluginKind.Destination),
        ("generic-csv", PluginKind.Adapter), ("json-lines", PluginKind.Adapter), ("google-merchant", PluginKind.Adapter), ("shopify-csv", PluginKind.Adapter),
    ];

    [Theory, DatabaseData]
    public async Task After_start_the_catalog_holds_every_built_in_plugin_with_the_hash_of_its_shipped_package(DatabaseProvider provider)
    {
        var app = await apps.GetAsync(provider);
        var catalog = await app.QueryDbAsync(db => db.PluginPackages.AsNoTracking().Include(p => p.Versions).ToListAsync(Ct));
        foreach (var (id, kind) in BuiltIns)
        {
            var plugin = Assert.Single(catalog, p => p.Id == id);
            Assert.Equal(kind, plugin.Kind);
            Assert.False(string.IsNullOrWhiteSpace(plugin.DisplayName));
            var version = Assert.Single(plugin.Versions);
            Assert.Equal("1.0.0", version.Version);
            var folder = Path.Combine(AppContext.BaseDirectory, "plugins", id, "1.0.0");
            Assert.Equal(await PluginPackageHash.ComputeAsync(folder, Ct), version.Sha256);
            Assert.Contains("\"properties\"", version.SettingsSchema, StringComparison.Ordinal);
        }

        var sql = catalog.Single(p => p.Id == "sql").Versions[0].SettingsSchema;
        Assert.Contains("\"connectionString\":{", sql, StringComparison.Ordinal);
        Assert.Contains("\"x-secret\":true", sql, StringComparison.Ordinal);
    }

    [Theory, DatabaseData]
    public async Task A_downloaded_package_extracts_to_files_that_hash_to_the_catalog_sha256(DatabaseProvider provider)
    {
        var app = await apps.GetAsync(provider);
        var tenant = await app.CreateTenantAsync();
        var agent = await AgentKit.EnrollAgentAsync(tenant);
        foreach (var id in new[] { "sql", "google-merchant" })
        {
            var response = await agent.Client.GetAsync($"/agent/v1/plugins/{id}/1.0.0", Ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("application/zip", response.Content.Headers.ContentType?.MediaType);
            var target = Directory.CreateTempSubdirectory("gs-plugin-download-").FullName;
            try
            {
                await using (var zip = await response.Content.ReadAsStreamAsync(Ct))
                {
                    await ZipFile.ExtractToDirectoryAsync(zip, target, Ct);
                }

                var expected = await app.QueryDbAsync(db => db.PluginVersions.Where(v => v.PluginId == id && v.Version == "1.0.0").Select(v => v.Sha256).SingleAsync(Ct));
                Assert.Equal(expected, await PluginPackageHash.ComputeAsync(target, Ct));
            }
            finally
            {
                Directory.Delete(target, recursive: true);
            }
        }

        Assert.Equal(HttpStatusCode.NotFound, (await agent.Client.GetAsync("/agent/v1/plugins/sql/9.9.9", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await agent.Client.GetAsync("/agent/v1/plugins/..%2F..%2Fetc/1.0.0", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.CreateAnonymousClient().GetAsync("/agent/v1/plugins/sql/1.0.0", Ct)).StatusCode);
    }
}
