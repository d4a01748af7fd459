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
}
