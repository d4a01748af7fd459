using GrocerySync.Plugins.Abstractions;

namespace GrocerySync.Plugins.Sftp;

/// <summary>The SFTP destination's settings, checked once per run.</summary>
internal sealed record SftpOptions(
    string Host,
    int Port,
    string Username,
    string? Password,
    string? PrivateKey,
    string? PrivateKeyPath,
    string? PrivateKeyPassphrase,
    string? HostKeyFingerprint,
    string Folder,
    string FileName,
    TimeSpan Timeout)
{
    public string Endpoint => $"{Host}:{Port}";

    public static SftpOptions From(PluginSettings settings)
    {
        var port = settings.GetInt64("port", 22);
        if (port is < 1 or > 65535)
        {
            throw new PluginException("Setting 'port' must be between 1 and 65535.");
        }

        var timeout = settings.GetInt64("timeoutSeconds", 30);
        if (timeout is < 1 or > 3600)
        {
            throw new PluginException("Setting 'timeoutSeconds' must be between 1 and 3600.");
        }

        var options = new SftpOptions(
            settings.GetRequiredString("host"),
            (int)port,
            settings.GetRequiredString("username"),
            Optional(settings, "password"),
            Optional(settings, "privateKey"),
            Optional(settings, "privateKeyPath"),
            Optional(settings, "privateKeyPassphrase"),
            Optional(settings, "hostKeyFingerprint"),
            settings.GetString("folder", "."),
            settings.GetString("fileName", "{jobId}.{extension}"),
            TimeSpan.FromSeconds(timeout));

        if (options.Password is null && options.PrivateKey is null && options.PrivateKeyPath is null)
        {
            throw new PluginException("The SFTP destination needs credentials: set 'password', 'privateKey' or 'privateKeyPath'.");
        }

        if (options.PrivateKey is not null && options.PrivateKeyPath is not null)
        {
            throw new PluginException("Set either 'privateKey' or 'privateKeyPath', not both.");
        }

        return options;
    }

    /// <summary>The remote file name of a run, with placeholders replaced; never a path.</summary>
    public string ResolveFileName(DestinationContext context)
    {
        var name = FileName
            .Replace("{jobId}", context.JobId, StringComparison.OrdinalIgnoreCase)
            .Replace("{extension}", context.FileExtension, StringComparison.OrdinalIgnoreCase)
            .Replace("{date}", context.StartedAt.ToString("yyyyMMdd", System.Globalization.CultureInfo.InvariantCulture), StringComparison.OrdinalIgnoreCase);
        if (name.Length == 0 || name.Contains('/', StringComparison.Ordinal) || name is "." or "..")
        {
            throw new PluginException($"Setting 'fileName' must give a plain file name, not '{name}'; put folders in 'folder'.");
        }

        return name;
    }

    private static string? Optional(PluginSettings settings, string name)
    {
        var value = settings.GetString(name);
        return value.Length == 0 ? null : value;
    }
}
