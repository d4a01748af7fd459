using System.Security.Cryptography;
using System.Text;

namespace GrocerySync.Plugins.Hosting;

/// <summary>
/// The SHA-256 of a plugin package folder. Every file under the folder counts: the lines
/// <c>{sha256 of the file, lower-case hex}  {relative path with '/'}\n</c>, sorted by path (ordinal), are hashed
/// together. That is exactly what <c>cd PACKAGE &amp;&amp; find . -type f -printf '%P\n' | LC_ALL=C sort | xargs -d '\n' sha256sum | sha256sum</c>
/// prints, so a publisher can compute it without .NET.
/// </summary>
public static class PluginPackageHash
{
    /// <summary>Computes the package hash as lower-case hex.</summary>
    public static async Task<string> ComputeAsync(string packageFolder, CancellationToken cancellationToken)
    {
        var root = Path.GetFullPath(packageFolder);
        var files = Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(root, f).Replace(Path.DirectorySeparatorChar, '/'))
            .Order(StringComparer.Ordinal)
            .ToList();

        using var listing = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var relative in files)
        {
            await using var stream = new FileStream(Path.Combine(root, relative), FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
            var fileHash = await SHA256.HashDataAsync(stream, cancellationToken);
            listing.AppendData(Encoding.UTF8.GetBytes($"{Convert.ToHexStringLower(fileHash)}  {relative}\n"));
        }

        return Convert.ToHexStringLower(listing.GetHashAndReset());
    }

    /// <summary>Compares two hex hashes, ignoring case, in constant time.</summary>
    public static bool Matches(string expected, string actual)
    {
        var a = Encoding.ASCII.GetBytes(expected.Trim().ToLowerInvariant());
        var b = Encoding.ASCII.GetBytes(actual.Trim().ToLowerInvariant());
        return CryptographicOperations.FixedTimeEquals(a, b);
    }
}
