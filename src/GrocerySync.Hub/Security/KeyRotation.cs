using System.Text.Json.Nodes;
using System.Xml.Linq;
using GrocerySync.Hub.Data;
using GrocerySync.Hub.Data.Entities;
using GrocerySync.Hub.Features.Audit;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.EntityFrameworkCore;

namespace GrocerySync.Hub.Security;

/// <summary>What a key rotation did.</summary>
/// <param name="NewKeyId">The new default Data Protection key.</param>
/// <param name="SecretSetsReencrypted">Source and destination secret sets now under the new key.</param>
/// <param name="AuthenticatorKeysReencrypted">TOTP authenticator keys now under the new key.</param>
/// <param name="KeyRingEntriesReencrypted">Key-ring entries now under the current master key.</param>
/// <param name="Unreadable">Stored values no configured key decrypts (left untouched, and logged without their content).</param>
/// <param name="RotatedAt">When.</param>
public sealed record KeyRotationDto(Guid NewKeyId, int SecretSetsReencrypted, int AuthenticatorKeysReencrypted, int KeyRingEntriesReencrypted, int Unreadable, DateTimeOffset RotatedAt);

/// <summary>
/// Rotates the keys that protect stored secrets, without losing any: a new Data Protection key becomes the default,
/// every source and destination secret set and every authenticator key is re-encrypted with it, and every key-ring
/// entry is re-encrypted with the current master key (so a former one in <c>Hub:Secrets:PreviousMasterKeys</c> can
/// then be dropped). Former Data Protection keys stay in the ring, encrypted, for cookies and tokens issued earlier.
/// </summary>
internal sealed class KeyRotation(
    HubDbContext db,
    IKeyManager keys,
    IDataProtectionProvider dataProtection,
    SecretProtector secrets,
    MasterKey masterKey,
    IServiceProvider services,
    AuditLog audit,
    TimeProvider time,
    ILogger<KeyRotation> log)
{
    private const string AuthenticatorKeyPurpose = "GrocerySync.Hub.AuthenticatorKeys.v1";

    public async Task<KeyRotationDto> RotateAsync(CancellationToken ct)
    {
        var now = time.GetUtcNow();

        // 1. Every key-ring entry under the current master key (decrypting with a former one where needed).
        var ringEntries = await ReencryptKeyRingAsync(ct);

        // 2. A new default key; the key ring provider picks it up at once.
        var newKey = keys.CreateNewKey(now, now.AddDays(90));

        // 3. Everything protected with an older key, protected again with the new one. ExecuteUpdate keeps the rows'
        // versions (nobody's edit turns stale) and stays out of the change trail: one rotation entry records it.
        var secretSets = 0;
        var unreadable = 0;
        foreach (var source in await db.Sources.IgnoreQueryFilters().AsNoTracking().Where(s => s.EncryptedSecrets != null).Select(s => new { s.Id, s.EncryptedSecrets }).ToListAsync(ct))
        {
            if (Reprotect(source.EncryptedSecrets!) is not { } again)
            {
                unreadable++;
                HubLog.UnreadableSecret(log, "source", source.Id);
                continue;
            }

            secretSets += await db.Sources.IgnoreQueryFilters().Where(s => s.Id == source.Id && s.EncryptedSecrets == source.EncryptedSecrets)
                .ExecuteUpdateAsync(s => s.SetProperty(x => x.EncryptedSecrets, again), ct);
        }

        foreach (var destination in await db.Destinations.IgnoreQueryFilters().AsNoTracking().Where(d => d.EncryptedSecrets != null).Select(d => new { d.Id, d.EncryptedSecrets }).ToListAsync(ct))
        {
            if (Reprotect(destination.EncryptedSecrets!) is not { } again)
            {
                unreadable++;
                HubLog.UnreadableSecret(log, "destination", destination.Id);
                continue;
            }

            secretSets += await db.Destinations.IgnoreQueryFilters().Where(d => d.Id == destination.Id && d.EncryptedSecrets == destination.EncryptedSecrets)
                .ExecuteUpdateAsync(s => s.SetProperty(x => x.EncryptedSecrets, again), ct);
        }

        var authenticator = dataProtection.CreateProtector(AuthenticatorKeyPurpose);
        var authenticatorKeys = 0;
        foreach (var token in await db.UserTokens.Where(t => t.LoginProvider == "[AspNetUserStore]" && t.Name == "AuthenticatorKey" && t.Value != null).ToListAsync(ct))
        {
            try
            {
                token.Value = authenticator.Protect(authenticator.Unprotect(token.Value!));
                authenticatorKeys++;
            }
            catch (System.Security.Cryptography.CryptographicException)
            {
                unreadable++;
                HubLog.UnreadableSecret(log, "authenticator key of user", token.UserId);
            }
        }

        audit.Record(AuditEventType.SecretKeysRotated, "KeyRing", newKey.KeyId, null, new JsonObject
        {
            ["SecretSets"] = secretSets,
            ["AuthenticatorKeys"] = authenticatorKeys,
            ["KeyRingEntries"] = ringEntries,
            ["Unreadable"] = unreadable,
        });
        await db.SaveChangesAsync(ct);
        HubLog.KeysRotated(log, secretSets + authenticatorKeys, ringEntries);
        return new KeyRotationDto(newKey.KeyId, secretSets, authenticatorKeys, ringEntries, unreadable, now);
    }

    private string? Reprotect(string encrypted)
    {
        try
        {
            return secrets.Protect(secrets.Unprotect(encrypted));
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            return null;
        }
    }

    private async Task<int> ReencryptKeyRingAsync(CancellationToken ct)
    {
        var decryptor = new MasterKeyXmlDecryptor(services);
        var encryptor = new MasterKeyXmlEncryptor(masterKey);
        var count = 0;
        foreach (var row in await db.DataProtectionKeys.ToListAsync(ct))
        {
            if (row.Xml is null)
            {
                continue;
            }

            var key = XElement.Parse(row.Xml);
            var encrypted = key.Descendants().Where(e => e.Name.LocalName == "encryptedSecret"
                && (e.Attribute("decryptorType")?.Value.Contains(typeof(MasterKeyXmlDecryptor).FullName!, StringComparison.Ordinal) ?? false)).ToList();
            foreach (var secret in encrypted)
            {
                var fresh = encryptor.Encrypt(decryptor.Decrypt(secret.Elements().Single()));
                secret.ReplaceNodes(fresh.EncryptedElement);
            }

            if (encrypted.Count > 0)
            {
                row.Xml = key.ToString(SaveOptions.DisableFormatting);
                count++;
            }
        }

        await db.SaveChangesAsync(ct);
        return count;
    }
}
