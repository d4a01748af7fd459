using System.Net.Http.Json;
using GrocerySync.Hub.Data;
using GrocerySync.Hub.Features.Destinations;
using GrocerySync.Hub.Features.Sources;
using GrocerySync.Hub.Security;
using GrocerySync.Hub.Tests.Infrastructure;
using GrocerySync.Hub.Tests.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace GrocerySync.Hub.Tests.Hardening;

/// <summary>
/// A known secret, planted through the API in sources and destinations (created, then replaced), appears nowhere:
/// not in any GET endpoint's answer (every one, from the endpoint data source), not in the audit trail, not in any
/// log line; the database column holds ciphertext that decrypts to it.
/// </summary>
public sealed class PlantedSecretTests(HubApps apps)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory, DatabaseData]
    public async Task A_planted_secret_appears_in_no_answer_audit_entry_or_log_line_and_is_stored_encrypted(DatabaseProvider provider)
    {
        var shared = await apps.GetAsync(provider);
        var logs = new LogCapture();
        await using var app = shared.WithWebHostBuilder(b => b.ConfigureServices(s => s.AddLogging(l => l.AddProvider(logs).AddFilter<LogCapture>(null, LogLevel.Trace))));
        var world = await TenantWorld.CreateAsync(shared, "planted");
        var admin = HubApp.ClientFor(app, world.Tenant.Admin);
        var planted = $"planted-{Guid.NewGuid():N}";
        var replaced = $"replaced-{Guid.NewGuid():N}";

        var source = (await (await admin.PostAsJsonAsync("/api/v1/sources", new { name = "Planted source", pluginId = "grocerysync.source.sql", settings = new { query = "select 1" }, agentId = world.Agent.Id, secrets = new { password = planted } }, Ct))
            .Content.ReadFromJsonAsync<SourceDto>(Ct))!;
        var destination = (await (await admin.PostAsJsonAsync("/api/v1/destinations", new { name = "Planted destination", pluginId = "grocerysync.destination.sftp", settings = new { host = "sftp.example" }, secrets = new { password = planted, privateKey = planted } }, Ct))
            .Content.ReadFromJsonAsync<DestinationDto>(Ct))!;
        var update = await admin.PutAsJsonAsync($"/api/v1/destinations/{destination.Id}", new { name = destination.Name, pluginId = destination.PluginId, settings = destination.Settings, secrets = new Dictionary<string, string?> { ["password"] = replaced }, version = destination.Version }, Ct);
        update.EnsureSuccessStatusCode();
        Assert.Equal("********", (await update.Content.ReadFromJsonAsync<DestinationDto>(Ct))!.Secrets["password"]);

        // Every GET endpoint, as the retailer's admin and as a platform admin, on this world's items.
        var secrets = new[] { planted, replaced, world.Secret };
        var failures = new List<string>();
        var gets = ApiEndpoint.All(shared).Where(e => e.Method == "GET").ToList();
        Assert.Contains(gets, e => e.Route == "/audit-events/export");
        var platform = HubApp.ClientFor(app, shared.PlatformAdmin);
        foreach (var endpoint in gets)
        {
            var url = RouteValues.Url(endpoint, world);
            foreach (var (who, client) in new[] { ("admin", admin), ("platform admin", platform) })
            {
                foreach (var target in new[] { url, url.Replace(world.Source.Id.ToString(), source.Id.ToString(), StringComparison.Ordinal).Replace(world.Destination.Id.ToString(), destination.Id.ToString(), StringComparison.Ordinal) })
                {
                    var (response, body) = await ApiCalls.SendAsync(client, "GET", target + (target.Contains('?') ? "&" : "?") + "pageSize=200", null, Ct);
                    if ((int)response.StatusCode >= 500)
                    {
                        failures.Add($"{who} GET {target} → {(int)response.StatusCode}");
                    }

                    failures.AddRange(secrets.Where(s => body.Contains(s, StringComparison.Ordinal)).Select(_ => $"{who} GET {target} shows a secret: {ApiCalls.Truncate(body)}"));
                }
            }
        }

        // The audit trail of the changes: recorded, but the values redacted.
        var audit = await admin.GetStringAsync($"/api/v1/audit-events?entityId={destination.Id}", Ct);
        Assert.Contains("DestinationSecretsReplaced", audit, StringComparison.Ordinal);
        Assert.Contains("\"***\"", audit, StringComparison.Ordinal);
        var stored = await shared.QueryDbAsync(db => db.AuditEvents.AsNoTracking().Where(e => e.RetailerId == world.RetailerId).Select(e => e.Changes ?? string.Empty).ToListAsync(Ct));
        failures.AddRange(stored.Where(c => secrets.Any(s => c.Contains(s, StringComparison.Ordinal))).Select(c => $"audit entry holds a secret: {c}"));

        Assert.NotEmpty(logs.Entries);
        failures.AddRange(logs.Entries.Where(l => secrets.Any(s => l.Contains(s, StringComparison.Ordinal))).Select(l => $"log line holds a secret: {ApiCalls.Truncate(l)}"));
        Assert.True(failures.Count == 0, string.Join("\n", failures));

        // At rest: ciphertext in the column, which the hub (and only with its keys) turns back into the secret.
        var protector = shared.Services.GetRequiredService<SecretProtector>();
        var (sourceColumn, destinationColumn) = await shared.QueryDbAsync(async db => (
            await db.Sources.AsNoTracking().Where(s => s.Id == source.Id).Select(s => s.EncryptedSecrets).SingleAsync(Ct),
            await db.Destinations.AsNoTracking().Where(d => d.Id == destination.Id).Select(d => d.EncryptedSecrets).SingleAsync(Ct)));
        Assert.All(new[] { sourceColumn!, destinationColumn! }, column => Assert.All(secrets, s => Assert.DoesNotContain(s, column, StringComparison.Ordinal)));
        Assert.Equal(planted, protector.Unprotect(sourceColumn)["password"]);
        Assert.Equal(replaced, protector.Unprotect(destinationColumn)["password"]);
        Assert.Equal(planted, protector.Unprotect(destinationColumn)["privateKey"]);
    }
}
