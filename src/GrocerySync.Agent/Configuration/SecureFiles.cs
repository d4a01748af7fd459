using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace GrocerySync.Agent.Configuration;

/// <summary>
/// Files of the agent folder are for the service account only: on Linux folders are created 0700 and files 0600;
/// on Windows the installer restricts the folder's ACL to the service and administrators.
/// </summary>
internal static class SecureFiles
{
    private const UnixFileMode PrivateFolder = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode PrivateFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Creates the folder (and parents) and makes it private to its owner.</summary>
    public static void CreatePrivateDirectory(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
            return;
        }

        Directory.CreateDirectory(path, PrivateFolder);
        File.SetUnixFileMode(path, PrivateFolder);
    }

    /// <summary>Makes an existing file private to its owner.</summary>
    public static void RestrictFile(string path)
    {
        if (!OperatingSystem.IsWindows() && File.Exists(path))
        {
            File.SetUnixFileMode(path, PrivateFile);
        }
    }

    /// <summary>Makes every file and folder below <paramref name="root"/> private to its owner.</summary>
    public static void RestrictTree(string root)
    {
        if (OperatingSystem.IsWindows() || !Directory.Exists(root))
        {
            return;
        }

        File.SetUnixFileMode(root, PrivateFolder);
        foreach (var entry in Directory.EnumerateFileSystemEntries(root, "*", SearchOption.AllDirectories))
        {
            File.SetUnixFileMode(entry, Directory.Exists(entry) ? PrivateFolder : PrivateFile);
        }
    }

    /// <summary>Writes a file atomically (temporary file, flushed to disk, renamed over the target), mode 0600.</summary>
    public static async Task WriteAtomicAsync(string path, string content, CancellationToken cancellationToken)
    {
        var temp = path + ".tmp-" + Guid.NewGuid().ToString("N")[..8];
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None, Options = FileOptions.Asynchronous };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = PrivateFile;
        }

        try
        {
            await using (var stream = new FileStream(temp, options))
            {
                await stream.WriteAsync(Encoding.UTF8.GetBytes(content), cancellationToken);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }

    /// <summary>
    /// When run as root on Linux (enroll before or after <c>install</c>), gives the files below <paramref name="root"/>
    /// to the owner of the folder itself, so the service account can read what root wrote.
    /// </summary>
    public static async Task GiveToFolderOwnerAsync(string root, CancellationToken cancellationToken)
    {
        if (!OperatingSystem.IsLinux() || !Environment.IsPrivilegedProcess)
        {
            return;
        }

        var owner = (await RunAsync("stat", ["-c", "%u:%g", root], cancellationToken)).Trim();
        if (owner.Length == 0 || owner == "0:0")
        {
            return;
        }

        await RunAsync("chown", ["-R", owner, root], cancellationToken);
    }

    /// <summary>Gives the folder tree to a user (by name), for <c>install</c>.</summary>
    public static Task ChownTreeAsync(string root, string user, CancellationToken cancellationToken) =>
        RunAsync("chown", ["-R", string.Create(CultureInfo.InvariantCulture, $"{user}:{user}"), root], cancellationToken);

    private static async Task<string> RunAsync(string file, string[] args, CancellationToken cancellationToken)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi) ?? throw new IOException($"Could not start {file}.");
        var stdout = p.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = p.StandardError.ReadToEndAsync(cancellationToken);
        await p.WaitForExitAsync(cancellationToken);
        if (p.ExitCode != 0)
        {
            throw new IOException($"{file} {string.Join(' ', args)} failed: {(await stderr).Trim()}");
        }

        return await stdout;
    }
}
