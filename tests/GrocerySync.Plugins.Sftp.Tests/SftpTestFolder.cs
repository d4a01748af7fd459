using System.Globalization;
using System.Text;
using GrocerySync.Plugins.Abstractions;
using GrocerySync.Tests.Shared;
using Renci.SshNet;

namespace GrocerySync.Plugins.Sftp.Tests;

/// <summary>
/// A fresh folder on the real OpenSSH server (GS_TEST_SFTP_*), with an independent SFTP client to look at it
/// from the outside like a channel would. Disposing removes the folder.
/// </summary>
internal sealed class SftpTestFolder : IAsyncDisposable
{
    private SftpTestFolder(string host, int port, string user, string keyPath, string fingerprint, string folder, SftpClient observer)
    {
        Host = host;
        Port = port;
        User = user;
        KeyPath = keyPath;
        Fingerprint = fingerprint;
        Folder = folder;
        Observer = observer;
    }

    public string Host { get; }

    public int Port { get; }

    public string User { get; }

    public string KeyPath { get; }

    /// <summary>The server's real fingerprint, without the <c>SHA256:</c> prefix.</summary>
    public string Fingerprint { get; }

    public string Folder { get; }

    public SftpClient Observer { get; }

    public static async Task<SftpTestFolder> CreateAsync()
    {
        var v = ServiceGate.Require("GS_TEST_SFTP_HOST", "GS_TEST_SFTP_PORT", "GS_TEST_SFTP_USER", "GS_TEST_SFTP_KEY", "GS_TEST_SFTP_FINGERPRINT", "GS_TEST_SFTP_ROOT");
        var port = int.Parse(v[1], CultureInfo.InvariantCulture);
        var observer = new SftpClient(v[0], port, v[2], new PrivateKeyFile(v[3]));
        observer.HostKeyReceived += (_, e) => e.CanTrust = e.FingerPrintSHA256 == SftpConnector.NormaliseFingerprint(v[4]);
        await observer.ConnectAsync(TestContext.Current.CancellationToken);
        var folder = $"{v[5].TrimEnd('/')}/t-{Guid.NewGuid():N}";
        await observer.CreateDirectoryAsync(folder, TestContext.Current.CancellationToken);
        return new SftpTestFolder(v[0], port, v[2], v[3], v[4], folder, observer);
    }

    /// <summary>Raw settings for the destination; <paramref name="overrides"/> replace or remove (null) entries.</summary>
    public Dictionary<string, string?> Settings(params (string Key, string? Value)[] overrides)
    {
        var settings = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
        {
            ["host"] = Host,
            ["port"] = Port.ToString(CultureInfo.InvariantCulture),
            ["username"] = User,
            ["privateKeyPath"] = KeyPath,
            ["hostKeyFingerprint"] = "SHA256:" + Fingerprint,
            ["folder"] = Folder,
            ["fileName"] = "{jobId}.{extension}",
            ["timeoutSeconds"] = "10",
        };
        foreach (var (key, value) in overrides)
        {
            settings[key] = value;
        }

        return settings;
    }

    public IDestinationConnector CreateDestination(params (string Key, string? Value)[] overrides)
    {
        var factory = new SftpDestinationFactory();
        return factory.Create(PluginSettings.Create(factory.Manifest, Settings(overrides)));
    }

    public string PathOf(string name) => $"{Folder}/{name}";

    public async Task<string?> ReadAsync(string name)
    {
        if (!await Observer.ExistsAsync(PathOf(name), TestContext.Current.CancellationToken))
        {
            return null;
        }

        using var buffer = new MemoryStream();
        await Observer.DownloadFileAsync(PathOf(name), buffer, TestContext.Current.CancellationToken);
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    public async Task WriteAsync(string name, string content)
    {
        using var buffer = new MemoryStream(Encoding.UTF8.GetBytes(content));
        await Observer.UploadFileAsync(buffer, PathOf(name), TestContext.Current.CancellationToken);
    }

    public async Task<List<string>> ListAsync()
    {
        var names = new List<string>();
        await foreach (var f in Observer.ListDirectoryAsync(Folder, TestContext.Current.CancellationToken))
        {
            if (f.Name is not ("." or ".."))
            {
                names.Add(f.Name);
            }
        }

        names.Sort(StringComparer.Ordinal);
        return names;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (Observer.IsConnected)
            {
                await foreach (var f in Observer.ListDirectoryAsync(Folder, CancellationToken.None))
                {
                    if (f.Name is not ("." or ".."))
                    {
                        await Observer.DeleteFileAsync(f.FullName, CancellationToken.None);
                    }
                }

                await Observer.DeleteDirectoryAsync(Folder, CancellationToken.None);
            }
        }
        finally
        {
            Observer.Dispose();
        }
    }
}
