using GrocerySync.Plugins.Abstractions;
using Renci.SshNet;
using Renci.SshNet.Common;

namespace GrocerySync.Plugins.Sftp;

/// <summary>Uploads one run's output to a temporary name and renames it over the final name at commit.</summary>
internal sealed class SftpDestinationConnector(SftpOptions options, TimeProvider time) : IDestinationConnector
{
    public async Task<ConnectionTestResult> TestConnectionAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var client = await SftpConnector.ConnectAsync(options, cancellationToken);
            var folder = await RequireFolderAsync(client, cancellationToken);

            // Writable means we can create and remove a file there, which is what an upload does.
            var probe = $"{folder}/.grocerysync-probe-{Guid.NewGuid():N}.tmp";
            try
            {
                await using (var stream = await client.OpenAsync(probe, FileMode.CreateNew, FileAccess.Write, cancellationToken))
                {
                    await stream.WriteAsync("probe"u8.ToArray(), cancellationToken);
                }

                await client.DeleteFileAsync(probe, cancellationToken);
            }
            catch (SshException ex)
            {
                return ConnectionTestResult.Failed($"Connected to {options.Endpoint}, but folder '{options.Folder}' is not writable for user '{options.Username}': {ex.Message}");
            }

            return ConnectionTestResult.Ok($"Connected to {options.Endpoint} as '{options.Username}' with the pinned host key; folder '{options.Folder}' is writable.");
        }
        catch (PluginException ex)
        {
            return ConnectionTestResult.Failed(ex.Message);
        }
    }

    public async Task<IDestinationTransaction> BeginAsync(DestinationContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var fileName = options.ResolveFileName(context);
        var client = await SftpConnector.ConnectAsync(options, cancellationToken);
        try
        {
            var folder = await RequireFolderAsync(client, cancellationToken);

            // Same folder as the target, so the rename at commit stays on one file system and is atomic.
            var temporary = $"{folder}/.{fileName}.{context.RunId:N}.part";
            var stream = await client.OpenAsync(temporary, FileMode.CreateNew, FileAccess.Write, cancellationToken);
            return new SftpUploadTransaction(client, stream, temporary, $"{folder}/{fileName}", options, time);
        }
        catch (SshException ex)
        {
            client.Dispose();
            throw new PluginException($"Cannot start the upload to '{options.Folder}' on {options.Endpoint}: {ex.Message}", ex);
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private async Task<string> RequireFolderAsync(SftpClient client, CancellationToken cancellationToken)
    {
        var folder = options.Folder.Length > 1 ? options.Folder.TrimEnd('/') : options.Folder;
        try
        {
            var attributes = await client.GetAttributesAsync(folder, cancellationToken);
            if (!attributes.IsDirectory)
            {
                throw new PluginException($"'{options.Folder}' on {options.Endpoint} is not a folder.");
            }
        }
        catch (SftpPathNotFoundException)
        {
            throw new PluginException($"Folder '{options.Folder}' does not exist on {options.Endpoint}; create it or fix setting 'folder'.");
        }
        catch (SftpPermissionDeniedException)
        {
            throw new PluginException($"User '{options.Username}' may not access folder '{options.Folder}' on {options.Endpoint}.");
        }

        return folder;
    }
}
