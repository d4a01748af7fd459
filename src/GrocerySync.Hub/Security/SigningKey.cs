using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace GrocerySync.Hub.Security;

/// <summary>
/// The key that signs access tokens: from <c>Hub:Auth:SigningKey</c>, or, for a single embedded hub,
/// generated once into the data folder (readable by the hub's user only).
/// </summary>
internal sealed class SigningKey
{
    public SigningKey(IOptions<HubOptions> options, IHostEnvironment environment)
    {
        var hub = options.Value;
        var bytes = string.IsNullOrWhiteSpace(hub.Auth.SigningKey)
            ? LoadOrCreate(Path.Combine(DataDirectory.Resolve(hub, environment), "signing.key"))
            : Convert.FromBase64String(hub.Auth.SigningKey);
        Key = new SymmetricSecurityKey(bytes) { KeyId = Convert.ToHexString(SHA256.HashData(bytes))[..16] };
        IsGenerated = string.IsNullOrWhiteSpace(hub.Auth.SigningKey);
    }

    public SymmetricSecurityKey Key { get; }

    public bool IsGenerated { get; }

    private static byte[] LoadOrCreate(string path)
    {
        if (File.Exists(path))
        {
            return Convert.FromBase64String(File.ReadAllText(path).Trim());
        }

        var bytes = RandomNumberGenerator.GetBytes(64);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var writer = new StreamWriter(path, options))
        {
            writer.Write(Convert.ToBase64String(bytes));
        }

        return bytes;
    }
}
