using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace GrocerySync.Hub.Security;

/// <summary>
/// The key that signs access tokens: from <c>Hub:Auth:SigningKey</c>, or, for a single embedded hub,
/// generated once into the data folder. Keys in <c>Hub:Auth:PreviousSigningKeys</c> still validate tokens
/// (but sign none), so a rotation does not sign anybody out.
/// </summary>
internal sealed class SigningKey
{
    public SigningKey(IOptions<HubOptions> options, IHostEnvironment environment)
    {
        var hub = options.Value;
        Key = ToKey(KeyFiles.LoadOrCreate(hub.Auth.SigningKey, hub, environment, "signing.key", 64));
        PreviousKeys = [.. hub.Auth.PreviousSigningKeys.Where(k => !string.IsNullOrWhiteSpace(k)).Select(k => ToKey(Convert.FromBase64String(k)))];
        IsGenerated = string.IsNullOrWhiteSpace(hub.Auth.SigningKey);
    }

    public SymmetricSecurityKey Key { get; }

    public IReadOnlyList<SymmetricSecurityKey> PreviousKeys { get; }

    public bool IsGenerated { get; }

    private static SymmetricSecurityKey ToKey(byte[] bytes) => new(bytes) { KeyId = Convert.ToHexString(SHA256.HashData(bytes))[..16] };
}
