using System.Diagnostics;

namespace GrocerySync.Agent.Service;

/// <summary>One step of an install: a file to write or a command to run; printed by <c>--dry-run</c>.</summary>
internal sealed record InstallStep(string Description, string? Path = null, string? Content = null, IReadOnlyList<string>? Command = null, bool IgnoreFailure = false);

/// <summary>The steps of <c>install</c>/<c>uninstall</c>, executed in order (or only printed).</summary>
internal sealed record ServiceInstallPlan(string ServiceName, string? UnitPath, string? UnitContent, IReadOnlyList<InstallStep> Steps)
{
    public async Task ExecuteAsync(TextWriter log, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(log);
        foreach (var step in Steps)
        {
            log.WriteLine(step.Description);
            if (step.Path is not null && step.Content is not null)
            {
                Directory.CreateDirectory(System.IO.Path.GetDirectoryName(step.Path)!);
                await File.WriteAllTextAsync(step.Path, step.Content, cancellationToken);
                if (!OperatingSystem.IsWindows())
                {
                    File.SetUnixFileMode(step.Path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
                }
            }
            else if (step.Path is not null && step.Content is null && step.Command is null)
            {
                File.Delete(step.Path);
            }

            if (step.Command is { Count: > 0 } command)
            {
                var (code, error) = await RunAsync(command, cancellationToken);
                if (code != 0 && !step.IgnoreFailure)
                {
                    throw new AgentFailure(ExitCodes.FolderOrSystemError, "install-failed", $"{string.Join(' ', command)} failed (exit code {code}): {error.Trim()}");
                }
            }
        }
    }

    private static async Task<(int Code, string Error)> RunAsync(IReadOnlyList<string> command, CancellationToken cancellationToken)
    {
        var psi = new ProcessStartInfo(command[0]) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in command.Skip(1))
        {
            psi.ArgumentList.Add(a);
        }

        try
        {
            using var p = Process.Start(psi)!;
            var stdout = p.StandardOutput.ReadToEndAsync(cancellationToken);
            var stderr = p.StandardError.ReadToEndAsync(cancellationToken);
            await p.WaitForExitAsync(cancellationToken);
            await stdout;
            return (p.ExitCode, await stderr);
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            return (127, $"{command[0]}: {ex.Message}");
        }
    }
}
