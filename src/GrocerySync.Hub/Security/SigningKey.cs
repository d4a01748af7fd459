using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace GrocerySync.Hub.Security;

/// <summary>
/// The key that signs access tokens: from <c>Hub:Auth:SigningKey</c>, or, for a single embedded hub,
/// generated once into the data folder.
/// </summary>
internal sealed class SigningKey
{
    public SigningKey(IOptions<HubOptions> options, IHostEnvironment environment)
    {
        var hub = options.Value;
        var bytes = KeyFiles.LoadOrCreate(hub.Auth.SigningKey, hub, environment, "signing.key", 64);
        Key = new SymmetricSecurityKey(bytes) { KeyId = Convert.ToHexString(SHA256.HashData(bytes))[..16] };
        IsGenerated = string.IsNullOrWhiteSpace(hub.Auth.SigningKey);
    }

    public SymmetricSecurityKey Key { get; }

    public bool IsGenerated { get; }
}
