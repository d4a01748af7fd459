using System.Globalization;
using System.Runtime.InteropServices;
using GrocerySync.Plugins.Abstractions;

namespace GrocerySync.Plugins.Folder;

/// <summary>The <c>folder</c> destination: writes the run's output to a file, atomically.</summary>
public sealed class FolderDestinationFactory : IDestinationConnectorFactory
{
    /// <summary>Plugin id.</summary>
    public const string Id = "folder";

    /// <inheritdoc />
    public PluginManifest Manifest { get; } = new(
        Id,
        PluginKind.Destination,
        SemanticVersion.Parse("1.0.0"),
        SemanticVersion.Parse("1.0.0"),
        "Folder",
        "Writes the feed to a file in a local or mounted folder: a temporary file in the same folder, flushed to disk, then renamed over the target, so readers see the old file or the new one, never half a file.")
    {
        Settings =
        [
            new("path", PluginSettingType.Path, "Folder to write to (created if missing).") { Required = true },
            new("fileName", PluginSettingType.Text, "File name; {job}, {ext}, {mode} (full/delta), {run} and {timestamp} (UTC yyyyMMddTHHmmssZ) are replaced.") { DefaultValue = "{job}.{ext}" },
            new("fsync", PluginSettingType.Boolean, "Flush the file and folder to disk before the commit returns.") { DefaultValue = "true" },
        ],
    };

    /// <inheritdoc />
    public IDestinationConnector Create(PluginSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var name = settings.GetString("fileName", "{job}.{ext}");
        if (name.Contains('/', StringComparison.Ordinal) || name.Contains('\\', StringComparison.Ordinal) || name.StartsWith('.'))
        {
            throw new PluginException($"fileName '{name}' must be a plain file name (no folders, not starting with '.').");
        }

        return new FolderDestination(settings.GetRequiredString("path"), name, settings.GetBoolean("fsync", true));
    }
}

internal sealed partial class FolderDestination(string folder, string fileNameTemplate, bool fsync) : IDestinationConnector
{
    internal const string TempSuffix = ".gstmp";

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    public Task<ConnectionTestResult> TestConnectionAsync(CancellationToken cancellationToken)
    {
        try
        {
            Directory.CreateDirectory(folder);
            var probe = Path.Combine(folder, $".gsprobe-{Guid.NewGuid():N}{TempSuffix}");
            File.WriteAllBytes(probe, [1]);
            File.Delete(probe);
            return Task.FromResult(ConnectionTestResult.Ok($"{folder} is writable."));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return Task.FromResult(ConnectionTestResult.Failed($"{folder} is not writable: {ex.Message}"));
        }
    }

    public Task<IDestinationTransaction> BeginAsync(DestinationContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var name = fileNameTemplate
            .Replace("{job}", context.JobId, StringComparison.OrdinalIgnoreCase)
            .Replace("{ext}", context.FileExtension, StringComparison.OrdinalIgnoreCase)
            .Replace("{mode}", context.IsDelta ? "delta" : "full", StringComparison.OrdinalIgnoreCase)
            .Replace("{run}", context.RunId.ToString("N"), StringComparison.OrdinalIgnoreCase)
            .Replace("{timestamp}", context.StartedAt.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture), StringComparison.OrdinalIgnoreCase);
        try
        {
            Directory.CreateDirectory(folder);
            RemoveAbandonedTempFiles(name);
            var target = Path.Combine(folder, name);
            var temp = Path.Combine(folder, $".{name}.{context.RunId:N}{TempSuffix}");
            var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 0);
            return Task.FromResult<IDestinationTransaction>(new Transaction(stream, temp, target, fsync));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new PluginException($"Cannot write to folder '{folder}': {ex.Message}", ex);
        }
    }

    /// <summary>
    /// Deletes temporary files a killed run left for the same target. A live writer holds its temporary file with an
    /// exclusive lock, so a file that can be opened exclusively is abandoned.
    /// </summary>
    private void RemoveAbandonedTempFiles(string name)
    {
        foreach (var path in Directory.EnumerateFiles(folder, $".{name}.*{TempSuffix}"))
        {
            try
            {
                using (new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None, 1))
                {
                }

                File.Delete(path);
            }
            catch (IOException)
            {
                // Still being written by a live run.
            }
        }
    }

    private sealed class Transaction(FileStream stream, string temp, string target, bool fsync) : IDestinationTransaction
    {
        // With fsync on, Linux is asked to start writing every 8 MB to disk as soon as it is written (sync_file_range,
        // which does not wait), so the commit's fsync waits for the last few megabytes rather than the whole file.
        private const long WritebackBytes = 8 << 20;
        private const uint SyncFileRangeWrite = 2;
        private long _written;
        private long _writtenBack;
        private bool _done;

        public async ValueTask WriteAsync(DestinationBatch batch, CancellationToken cancellationToken)
        {
            try
            {
                await stream.WriteAsync(batch.Data, cancellationToken);
                _written += batch.Data.Length;
                if (fsync && OperatingSystem.IsLinux() && _written - _writtenBack >= WritebackBytes)
                {
                    // Advisory: a failure here only leaves more for the commit's fsync, which reports errors.
                    _ = SyncFileRange((int)stream.SafeFileHandle.DangerousGetHandle(), _writtenBack, _written - _writtenBack, SyncFileRangeWrite);
                    _writtenBack = _written;
                }
            }
            catch (IOException ex)
            {
                throw new PluginException($"Writing '{temp}' failed: {ex.Message}", ex);
            }
        }

        public async Task CommitAsync(CancellationToken cancellationToken)
        {
            try
            {
                await stream.FlushAsync(cancellationToken);
                if (fsync)
                {
                    stream.Flush(flushToDisk: true);
                }

                await stream.DisposeAsync();
                File.Move(temp, target, overwrite: true);
                if (fsync)
                {
                    FlushDirectory(Path.GetDirectoryName(target)!);
                }

                _done = true;
            }
            catch (IOException ex)
            {
                throw new PluginException($"Publishing '{target}' failed: {ex.Message}", ex);
            }
        }

        public async Task RollbackAsync(CancellationToken cancellationToken)
        {
            if (_done)
            {
                return;
            }

            _done = true;
            await stream.DisposeAsync();
            File.Delete(temp);
        }

        public async ValueTask DisposeAsync()
        {
            if (!_done)
            {
                await RollbackAsync(CancellationToken.None);
            }
        }
    }

    private static void FlushDirectory(string directory)
    {
        if (OperatingSystem.IsWindows())
        {
            return; // NTFS journals the rename; folders cannot be opened for flushing through this API.
        }

        var fd = Open(directory, 0 /* O_RDONLY */);
        if (fd >= 0)
        {
            _ = Fsync(fd);
            _ = Close(fd);
        }
    }

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync")]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "sync_file_range")]
    private static partial int SyncFileRange(int fd, long offset, long count, uint flags);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);
}
