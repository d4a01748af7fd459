using GrocerySync.Plugins.Abstractions;
using Renci.SshNet;
using Renci.SshNet.Common;
using Renci.SshNet.Sftp;

namespace GrocerySync.Plugins.Sftp;

/// <summary>
/// One upload: batches stream into a temporary file next to the target; commit closes it and renames it over the
/// target with <c>posix-rename@openssh.com</c> (an atomic replace). Until then readers of the target see the old file.
/// </summary>
internal sealed class SftpUploadTransaction(
    SftpClient client,
    SftpFileStream stream,
    string temporaryPath,
    string targetPath,
    SftpOptions options,
    TimeProvider time) : IDestinationTransaction
{
    private State _state = State.Open;

    private enum State
    {
        Open,
        Committed,
        RolledBack,
    }

    /// <summary>When the last commit published the file (for diagnostics and tests).</summary>
    public DateTimeOffset? CommittedAt { get; private set; }

    public async ValueTask WriteAsync(DestinationBatch batch, CancellationToken cancellationToken)
    {
        ThrowIfNotOpen();
        try
        {
            await stream.WriteAsync(batch.Data, cancellationToken);
        }
        catch (Exception ex) when (ex is SshException or IOException or ObjectDisposedException)
        {
            throw new PluginException($"Upload to {options.Endpoint} failed while writing batch {batch.Sequence}: {ex.Message}", ex);
        }
    }

    public async Task CommitAsync(CancellationToken cancellationToken)
    {
        ThrowIfNotOpen();
        try
        {
            await stream.FlushAsync(cancellationToken);
            await stream.DisposeAsync();
            await ReplaceAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is SshException or IOException or ObjectDisposedException)
        {
            throw new PluginException($"Publishing '{targetPath}' on {options.Endpoint} failed: {ex.Message}. The previous file is unchanged.", ex);
        }

        _state = State.Committed;
        CommittedAt = time.GetUtcNow();
        client.Disconnect();
    }

    public async Task RollbackAsync(CancellationToken cancellationToken)
    {
        if (_state != State.Open)
        {
            return;
        }

        _state = State.RolledBack;
        try
        {
            await stream.DisposeAsync();
        }
        catch (Exception ex) when (ex is SshException or IOException or ObjectDisposedException)
        {
            // The connection may be gone (that may be why we roll back); the temporary file is removed below if we still can.
        }

        try
        {
            if (client.IsConnected)
            {
                await client.DeleteFileAsync(temporaryPath, cancellationToken);
            }
        }
        catch (Exception ex) when (ex is SshException or IOException or ObjectDisposedException)
        {
            // A leftover ".part" file is harmless: it never has the target's name, and the next run uses a new one.
        }

        client.Disconnect();
    }

    public async ValueTask DisposeAsync()
    {
        if (_state == State.Open)
        {
            await RollbackAsync(CancellationToken.None);
        }

        client.Dispose();
    }

    private async Task ReplaceAsync(CancellationToken cancellationToken)
    {
        try
        {
            // SSH.NET offers posix-rename only synchronously; it blocks on the network, so keep it off the caller's thread.
            await Task.Run(() => client.RenameFile(temporaryPath, targetPath, isPosix: true), cancellationToken);
        }
        catch (NotSupportedException)
        {
            // Server without posix-rename: plain SFTP rename refuses to overwrite, so the old file goes first. Readers
            // may briefly find no file, but never a partial one.
            if (await client.ExistsAsync(targetPath, cancellationToken))
            {
                await client.DeleteFileAsync(targetPath, cancellationToken);
            }

            await client.RenameFileAsync(temporaryPath, targetPath, cancellationToken);
        }
    }

    private void ThrowIfNotOpen()
    {
        if (_state != State.Open)
        {
            throw new InvalidOperationException($"The upload transaction is already {_state.ToString().ToLowerInvariant()}.");
        }
    }
}
