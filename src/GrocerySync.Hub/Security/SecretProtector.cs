using System.Text.Json;
using Microsoft.AspNetCore.DataProtection;

namespace GrocerySync.Hub.Security;

/// <summary>
/// Encrypts source and destination secrets at rest with the Data Protection API. Secrets go in through
/// the API and out only inside a run spec dispatched to the owning agent, or a connection test given to an agent;
/// they are never returned or logged.
/// </summary>
internal sealed class SecretProtector(IDataProtectionProvider provider)
{
    private readonly IDataProtector _protector = provider.CreateProtector("GrocerySync.Hub.Secrets.v1");

    public string Protect(IReadOnlyDictionary<string, string> secrets) => _protector.Protect(JsonSerializer.Serialize(secrets));

    public Dictionary<string, string> Unprotect(string? encrypted) =>
        encrypted is null ? [] : JsonSerializer.Deserialize<Dictionary<string, string>>(_protector.Unprotect(encrypted)) ?? [];

    /// <summary>The text shown in place of a secret's value.</summary>
    public const string Mask = "********";
}
