using System.Security.Cryptography;
using System.Text;

namespace GrocerySync.Hub.Features.Agents;

/// <summary>
/// Agent API keys and enrollment tokens. Both are 256-bit random secrets, so a single SHA-256 is the right stored
/// form (nothing to brute-force, and cheap enough to verify on every request); a password hash would only slow the
/// hub down. A key reads <c>gsa_&lt;prefix&gt;_&lt;secret&gt;</c>: the prefix is public and finds the row, the secret
/// is checked against its hash in constant time.
/// </summary>
internal static class AgentKeys
{
    public const string KeyMarker = "gsa_";
    public const string TokenMarker = "gse_";
    private const int PrefixBytes = 6;
    private const int SecretBytes = 32;

    /// <summary>A new API key: the text shown once to the agent, the prefix and the hash to store.</summary>
    public static (string Key, string Prefix, string Hash) NewKey()
    {
        var prefix = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(PrefixBytes));
        var secret = Base64Url(RandomNumberGenerator.GetBytes(SecretBytes));
        return ($"{KeyMarker}{prefix}_{secret}", prefix, Hash(secret));
    }

    /// <summary>Splits <c>gsa_&lt;prefix&gt;_&lt;secret&gt;</c>; false for anything else.</summary>
    public static bool TryParseKey(ReadOnlySpan<char> key, out string prefix, out string secret)
    {
        prefix = secret = string.Empty;
        if (!key.StartsWith(KeyMarker, StringComparison.Ordinal))
        {
            return false;
        }

        var rest = key[KeyMarker.Length..];
        var separator = rest.IndexOf('_');
        if (separator != PrefixBytes * 2 || rest.Length - separator - 1 < 32 || rest.Length > 200)
        {
            return false;
        }

        prefix = rest[..separator].ToString();
        secret = rest[(separator + 1)..].ToString();
        return true;
    }

    /// <summary>A new one-time enrollment token and the hash to store.</summary>
    public static (string Token, string Hash) NewEnrollmentToken()
    {
        var token = TokenMarker + Base64Url(RandomNumberGenerator.GetBytes(SecretBytes));
        return (token, Hash(token));
    }

    /// <summary>Lower-case hex SHA-256 of the UTF-8 text.</summary>
    public static string Hash(string secret) => Convert.ToHexStringLower(HashBytes(secret));

    public static byte[] HashBytes(string secret) => SHA256.HashData(Encoding.UTF8.GetBytes(secret));

    /// <summary>Constant-time comparison of a presented secret with a stored hash.</summary>
    public static bool Matches(string secret, byte[] storedHash) =>
        CryptographicOperations.FixedTimeEquals(HashBytes(secret), storedHash);

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
