using GrocerySync.Plugins.Abstractions;

namespace GrocerySync.Plugins.Sftp;

/// <summary>
/// The built-in SFTP destination. Each run uploads to a temporary name in the target folder and renames it over the
/// final name at commit, so the channel sees the old file or the new one, never half a file. The server's host key
/// must match a pinned SHA-256 fingerprint; an unknown key is refused.
/// </summary>
public sealed class SftpDestinationFactory : IDestinationConnectorFactory
{
    /// <summary>Plugin id used in job specs.</summary>
    public const string Id = "sftp";

    /// <inheritdoc />
    public PluginManifest Manifest { get; } = new(
        Id,
        PluginKind.Destination,
        SemanticVersion.Parse("1.0.0"),
        SemanticVersion.Parse("1.0.0"),
        "SFTP",
        "Uploads the feed to an SFTP server atomically (temporary name, then rename), pinning the server's host key.")
    {
        Settings =
        [
            new("host", PluginSettingType.Text, "Server host name or IP address.") { Required = true },
            new("port", PluginSettingType.WholeNumber, "SSH port.") { DefaultValue = "22" },
            new("username", PluginSettingType.Text, "User name.") { Required = true },
            new("password", PluginSettingType.Text, "Password (password authentication).") { IsSecret = true },
            new("privateKey", PluginSettingType.Text, "Private key in OpenSSH or PEM format (key authentication).") { IsSecret = true },
            new("privateKeyPath", PluginSettingType.Path, "Private key file on the agent's machine, instead of privateKey."),
            new("privateKeyPassphrase", PluginSettingType.Text, "Passphrase of an encrypted private key.") { IsSecret = true },
            new("hostKeyFingerprint", PluginSettingType.Text, "SHA-256 fingerprint of the server's host key as printed by `ssh-keygen -lf key.pub -E sha256`, e.g. SHA256:Kab4…. Required: unknown keys are refused (the connection test shows the server's fingerprint)."),
            new("folder", PluginSettingType.Text, "Remote folder to upload into (must exist).") { DefaultValue = "." },
            new("fileName", PluginSettingType.Text, "Remote file name; {jobId}, {extension} and {date} (yyyyMMdd of the run start) are replaced.") { DefaultValue = "{jobId}.{extension}" },
            new("timeoutSeconds", PluginSettingType.WholeNumber, "Connect and per-operation timeout.") { DefaultValue = "30" },
        ],
    };

    /// <inheritdoc />
    public IDestinationConnector Create(PluginSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return new SftpDestinationConnector(SftpOptions.From(settings), TimeProvider.System);
    }
}
