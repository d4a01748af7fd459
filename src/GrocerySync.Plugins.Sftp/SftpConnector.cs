using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using GrocerySync.Plugins.Abstractions;
using Renci.SshNet;
using Renci.SshNet.Common;

namespace GrocerySync.Plugins.Sftp;

/// <summary>Opens SFTP sessions that trust only a pinned host key and turns every connect failure into a clear message.</summary>
internal static class SftpConnector
{
    /// <summary>Connects and authenticates. The host key must match one of the pinned SHA-256 fingerprints.</summary>
    /// <exception cref="PluginException">Unknown host key, refused credentials, unreadable key or unreachable server.</exception>
    public static async Task<SftpClient> ConnectAsync(SftpOptions options, CancellationToken cancellationToken)
    {
        var pinned = ParseFingerprints(options.HostKeyFingerprint);
        var client = new SftpClient(CreateConnectionInfo(options)) { OperationTimeout = options.Timeout };
        string? presented = null;
        string? algorithm = null;
        var trusted = false;
        client.HostKeyReceived += (_, e) =>
        {
            presented = e.FingerPrintSHA256;
            algorithm = e.HostKeyName;
            trusted = pinned.Any(p => FixedTimeEquals(p, NormaliseFingerprint(e.FingerPrintSHA256)));
            e.CanTrust = trusted;
        };

        try
        {
            await client.ConnectAsync(cancellationToken);
            return client;
        }
        catch (Exception ex) when (presented is not null && !trusted && ex is SshException or InvalidOperationException)
        {
            client.Dispose();
            var shown = $"SHA256:{NormaliseFingerprint(presented)} ({algorithm})";
            throw new PluginException(pinned.Count == 0
                ? $"Refusing to connect to {options.Endpoint}: no host key fingerprint is pinned. The server presented {shown}; " +
                  "verify it with the server's administrator and set 'hostKeyFingerprint' to trust it."
                : $"Refusing to connect to {options.Endpoint}: the server presented host key {shown}, which does not match the pinned " +
                  $"'hostKeyFingerprint' ({string.Join(", ", pinned.Select(p => "SHA256:" + p))}). The key may have been replaced or the " +
                  "connection intercepted; update the setting only after checking the new key with the server's administrator.",
                ex);
        }
        catch (SshAuthenticationException ex)
        {
            client.Dispose();
            throw new PluginException($"The SFTP server {options.Endpoint} refused the credentials of user '{options.Username}': {ex.Message}", ex);
        }
        catch (Exception ex) when (ex is SocketException or SshException or TimeoutException or IOException)
        {
            client.Dispose();
            throw new PluginException($"Cannot connect to the SFTP server {options.Endpoint}: {ex.Message}", ex);
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    /// <summary>Normalises a fingerprint as printed by ssh-keygen (<c>SHA256:abc…</c>) or bare, padded or not.</summary>
    internal static string NormaliseFingerprint(string fingerprint)
    {
        var f = fingerprint.Trim();
        if (f.StartsWith("SHA256:", StringComparison.OrdinalIgnoreCase))
        {
            f = f[7..];
        }

        return f.TrimEnd('=');
    }

    internal static IReadOnlyList<string> ParseFingerprints(string? setting) =>
        string.IsNullOrWhiteSpace(setting)
            ? []
            : setting.Split([',', ' ', ';'], StringSplitOptions.RemoveEmptyEntries).Select(NormaliseFingerprint).Where(f => f.Length > 0).ToArray();

    private static bool FixedTimeEquals(string a, string b) =>
        CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(a), Encoding.ASCII.GetBytes(b));

    private static ConnectionInfo CreateConnectionInfo(SftpOptions options)
    {
        var methods = new List<AuthenticationMethod>();
        if (options.PrivateKey is not null || options.PrivateKeyPath is not null)
        {
            methods.Add(new PrivateKeyAuthenticationMethod(options.Username, LoadKey(options)));
        }

        if (options.Password is not null)
        {
            methods.Add(new PasswordAuthenticationMethod(options.Username, options.Password));
        }

        return new ConnectionInfo(options.Host, options.Port, options.Username, [.. methods]) { Timeout = options.Timeout };
    }

    private static PrivateKeyFile LoadKey(SftpOptions options)
    {
        try
        {
            if (options.PrivateKeyPath is not null)
            {
                return new PrivateKeyFile(options.PrivateKeyPath, options.PrivateKeyPassphrase);
            }

            using var stream = new MemoryStream(Encoding.UTF8.GetBytes(options.PrivateKey!.Replace("\\n", "\n", StringComparison.Ordinal)));
            return new PrivateKeyFile(stream, options.PrivateKeyPassphrase);
        }
        catch (Exception ex) when (ex is SshException or IOException or UnauthorizedAccessException or ArgumentException or FormatException or CryptographicException or NotSupportedException)
        {
            // The message of these exceptions names the problem (format, passphrase), never the key's content.
            var where = options.PrivateKeyPath is not null ? $"'{options.PrivateKeyPath}'" : "setting 'privateKey'";
            throw new PluginException($"The private key in {where} could not be read ({ex.GetType().Name}: {ex.Message}). Check the key format and 'privateKeyPassphrase'.", ex);
        }
    }
}
