using System.Net.Http.Json;
using GrocerySync.Hub.Data;
using GrocerySync.Hub.Security;
using GrocerySync.Hub.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace GrocerySync.Hub.Tests.Hardening;

public sealed class SecretStorageTests(HubApps apps)
{
    [Theory, DatabaseData]
    public async Task Secrets_round_trip_and_the_key_ring_in_the_database_is_encrypted_with_the_master_key(DatabaseProvider provider)
    {
        var app = await apps.GetAsync(provider);
        var protector = app.Services.GetRequiredService<SecretProtector>();

        var stored = protector.Protect(new Dictionary<string, string> { ["password"] = "planted-secret-4711" });

        Assert.DoesNotContain("planted-secret-4711", stored, StringComparison.Ordinal);
        Assert.Equal("planted-secret-4711", protector.Unprotect(stored)["password"]);
        var ring = await app.QueryDbAsync(db => db.DataProtectionKeys.Select(k => k.Xml).ToListAsync(TestContext.Current.CancellationToken));
        Assert.NotEmpty(ring);
        Assert.All(ring, xml =>
        {
            Assert.Contains("decryptorType=\"GrocerySync.Hub.Security.MasterKeyXmlDecryptor", xml, StringComparison.Ordinal);
            Assert.DoesNotContain("<masterKey", xml, StringComparison.Ordinal);
        });
    }

    [Theory, DatabaseData]
    public async Task Rotating_the_data_protection_key_reencrypts_every_secret_and_loses_none(DatabaseProvider provider)
    {
        var app = await apps.GetAsync(provider);
        var tenant = await app.CreateTenantAsync();
        var protector = app.Services.GetRequiredService<SecretProtector>();
        var destination = await tenant.AddAsync(new GrocerySync.Hub.Data.Entities.Destination
        {
            RetailerId = tenant.RetailerId,
            Name = "Rotated",
            PluginId = "grocerysync.destination.sftp",
            EncryptedSecrets = protector.Protect(new Dictionary<string, string> { ["password"] = "rotate-me-4711" }),
            SecretNames = "password",
        });
        var keysBefore = await app.QueryDbAsync(db => db.DataProtectionKeys.CountAsync(TestContext.Current.CancellationToken));

        var response = await app.PlatformAdmin.Client.PostAsync("/api/v1/security/rotate-keys", null, TestContext.Current.CancellationToken);

        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        var rotation = (await response.Content.ReadFromJsonAsync<KeyRotationDto>(TestContext.Current.CancellationToken))!;
        Assert.True(rotation.SecretSetsReencrypted >= 1);
        var after = await app.QueryDbAsync(db => db.Destinations.AsNoTracking().SingleAsync(d => d.Id == destination.Id, TestContext.Current.CancellationToken));
        Assert.NotEqual(destination.EncryptedSecrets, after.EncryptedSecrets);
        Assert.Equal(destination.Version, after.Version);
        Assert.Equal("rotate-me-4711", protector.Unprotect(after.EncryptedSecrets)["password"]);
        Assert.Equal(keysBefore + 1, await app.QueryDbAsync(db => db.DataProtectionKeys.CountAsync(TestContext.Current.CancellationToken)));
        Assert.Equal(System.Net.HttpStatusCode.Forbidden, (await tenant.Admin.Client.PostAsync("/api/v1/security/rotate-keys", null, TestContext.Current.CancellationToken)).StatusCode);
    }

    [Fact]
    public async Task Rotating_the_master_key_keeps_every_secret_readable_with_the_new_key_alone()
    {
        var oldKey = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        var newKey = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        string ciphertext;
        Guid destinationId;
        await using (var before = await HubApp.StartAsync(DatabaseProvider.Sqlite, new HubAppOptions { Settings = new Dictionary<string, string?> { ["Hub:Secrets:MasterKey"] = oldKey } }))
        {
            var tenant = await before.CreateTenantAsync();
            var destination = await tenant.AddAsync(new GrocerySync.Hub.Data.Entities.Destination
            {
                RetailerId = tenant.RetailerId,
                Name = "Master-key rotation",
                PluginId = "grocerysync.destination.sftp",
                EncryptedSecrets = before.Services.GetRequiredService<SecretProtector>().Protect(new Dictionary<string, string> { ["password"] = "survives-rotation" }),
                SecretNames = "password",
            });
            (ciphertext, destinationId) = (destination.EncryptedSecrets!, destination.Id);

            // Step 1 of docs/security.md: the new key configured, the old one kept as previous; then rotate.
            await using var during = before.WithWebHostBuilder(b => b.UseSetting("Hub:Secrets:MasterKey", newKey).UseSetting("Hub:Secrets:PreviousMasterKeys:0", oldKey));
            var admin = HubApp.ClientFor(during, before.PlatformAdmin);
            Assert.Equal("survives-rotation", during.Services.GetRequiredService<SecretProtector>().Unprotect(ciphertext)["password"]);
            var rotated = await admin.PostAsync("/api/v1/security/rotate-keys", null, TestContext.Current.CancellationToken);
            Assert.Equal(System.Net.HttpStatusCode.OK, rotated.StatusCode);
            Assert.True((await rotated.Content.ReadFromJsonAsync<KeyRotationDto>(TestContext.Current.CancellationToken))!.KeyRingEntriesReencrypted >= 1);

            // Step 2: the old key dropped. A fresh hub with only the new master key reads everything.
            await using var after = before.WithWebHostBuilder(b => b.UseSetting("Hub:Secrets:MasterKey", newKey));
            string? stored;
            await using (var scope = after.Services.CreateAsyncScope())
            {
                scope.ServiceProvider.GetRequiredService<GrocerySync.Hub.Tenancy.CurrentUser>().SetSystem();
                stored = await scope.ServiceProvider.GetRequiredService<HubDbContext>().Destinations.AsNoTracking()
                    .Where(d => d.Id == destinationId).Select(d => d.EncryptedSecrets).SingleAsync(TestContext.Current.CancellationToken);
            }

            var reader = after.Services.GetRequiredService<SecretProtector>();
            Assert.Equal("survives-rotation", reader.Unprotect(stored)["password"]);
            Assert.Equal("survives-rotation", reader.Unprotect(ciphertext)["password"]);
        }
    }
}
