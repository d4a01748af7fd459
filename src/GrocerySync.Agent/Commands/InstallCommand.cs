using System.CommandLine;
using System.Diagnostics;
using GrocerySync.Agent.Configuration;
using GrocerySync.Agent.Service;

namespace GrocerySync.Agent.Commands;

/// <summary>The <c>install</c>/<c>uninstall</c> <c>--output json</c> document.</summary>
internal sealed record InstallOutput(string Status, string ServiceName, string? UnitPath, string? Unit, IReadOnlyList<string> Steps);

/// <summary>
/// <c>gsagent install</c> / <c>uninstall</c>: the agent as a systemd service on Linux (dedicated user, hardened unit,
/// <c>Type=notify</c>) or a Windows service. <c>--dry-run</c> prints every step and the unit and changes nothing (with
/// <c>--unit-dir</c> it writes only the unit file there, for review or <c>systemd-analyze verify</c>).
/// </summary>
internal sealed class InstallCommand(CommandOutput output)
{
    public const string DefaultUser = "gsagent";

    private static readonly Option<bool> DryRunOption = new("--dry-run") { Description = "Print what would be done (and the unit); change nothing." };
    private static readonly Option<DirectoryInfo?> UnitDirOption = new("--unit-dir") { Description = $"Where the systemd unit goes (default {LinuxServiceInstaller.DefaultUnitDir})." };
    private static readonly Option<string> UserOption = new("--user") { Description = "The service account (Linux).", DefaultValueFactory = _ => DefaultUser };
    private static readonly Option<string[]> ReadWriteOption = new("--read-write-path") { Description = "A folder jobs write to (folder destination); repeatable. Everything else is read-only to the service.", AllowMultipleArgumentsPerToken = false };
    private static readonly Option<FileInfo?> ExecOption = new("--exec") { Description = "The agent executable (or gsagent.dll) the service starts; default: this one." };
    private static readonly Option<bool> PurgeOption = new("--purge") { Description = "uninstall: also remove the agent folder (enrollment, outbox) and the service user." };
    private static readonly Option<int> StopTimeoutOption = new("--stop-timeout") { Description = "Seconds the service manager waits for a graceful stop (keep above Agent:ShutdownGracePeriod).", DefaultValueFactory = _ => 90 };

    public static Command CreateInstall()
    {
        var configDir = CommandOutput.ConfigDirOption();
        var outputOption = CommandOutput.OutputOption();
        var command = new Command("install", "Install the agent as a service (systemd on Linux, Windows service on Windows) and start it.")
        {
            configDir, UserOption, UnitDirOption, ReadWriteOption, ExecOption, StopTimeoutOption, DryRunOption, outputOption,
        };
        command.SetAction((parse, ct) =>
        {
            var output = new CommandOutput(Console.Out, Console.Error, "install", parse.GetValue(outputOption) == "json");
            return output.RunAsync(() => new InstallCommand(output).InstallAsync(
                AgentFolder.Resolve(parse.GetValue(configDir)),
                parse.GetValue(UserOption)!,
                parse.GetValue(UnitDirOption),
                parse.GetValue(ReadWriteOption) ?? [],
                parse.GetValue(ExecOption),
                TimeSpan.FromSeconds(Math.Max(10, parse.GetValue(StopTimeoutOption))),
                parse.GetValue(DryRunOption),
                ct));
        });
        return command;
    }

    public static Command CreateUninstall()
    {
        var configDir = CommandOutput.ConfigDirOption();
        var outputOption = CommandOutput.OutputOption();
        var command = new Command("uninstall", "Stop and remove the agent's service; the agent folder stays unless --purge.")
        {
            configDir, UserOption, UnitDirOption, PurgeOption, DryRunOption, outputOption,
        };
        command.SetAction((parse, ct) =>
        {
            var output = new CommandOutput(Console.Out, Console.Error, "uninstall", parse.GetValue(outputOption) == "json");
            return output.RunAsync(() => new InstallCommand(output).UninstallAsync(
                AgentFolder.Resolve(parse.GetValue(configDir)),
                parse.GetValue(UserOption)!,
                parse.GetValue(UnitDirOption),
                parse.GetValue(PurgeOption),
                parse.GetValue(DryRunOption),
                ct));
        });
        return command;
    }

    public async Task<int> InstallAsync(AgentFolder folder, string user, DirectoryInfo? unitDir, IReadOnlyList<string> readWritePaths, FileInfo? exec, TimeSpan stopTimeout, bool dryRun, CancellationToken cancellationToken)
    {
        var command = ServiceCommand(exec);
        ServiceInstallPlan plan;
        if (OperatingSystem.IsWindows())
        {
            plan = WindowsServiceInstaller.Install(command, folder.Root);
        }
        else if (OperatingSystem.IsLinux())
        {
            if (!IsValidUserName(user))
            {
                throw new AgentFailure(ExitCodes.InvalidSpec, "bad-user", $"--user '{user}' is not a valid user name (lower-case letters, digits, '-', '_').");
            }

            var paths = readWritePaths.Select(p => Path.GetFullPath(p)).ToList();
            var spec = new SystemdUnitSpec(command, folder.Root, user, paths, stopTimeout);
            plan = LinuxServiceInstaller.Install(spec, unitDir?.FullName ?? LinuxServiceInstaller.DefaultUnitDir, !dryRun && await UserExistsAsync(user, cancellationToken));
        }
        else
        {
            throw new AgentFailure(ExitCodes.FolderOrSystemError, "unsupported-os", "install supports Linux (systemd) and Windows. Run `gsagent run` under your service manager instead.");
        }

        return await ApplyAsync(plan, dryRun, unitDir is not null, "installed", cancellationToken);
    }

    public async Task<int> UninstallAsync(AgentFolder folder, string user, DirectoryInfo? unitDir, bool purge, bool dryRun, CancellationToken cancellationToken)
    {
        var plan = OperatingSystem.IsWindows()
            ? WindowsServiceInstaller.Uninstall()
            : LinuxServiceInstaller.Uninstall(unitDir?.FullName ?? LinuxServiceInstaller.DefaultUnitDir, folder.Root, user, purge);
        return await ApplyAsync(plan, dryRun, writeUnitOnDryRun: false, "uninstalled", cancellationToken);
    }

    /// <summary>The executable and leading arguments that start this agent: the apphost, or <c>dotnet gsagent.dll</c>.</summary>
    public static IReadOnlyList<string> ServiceCommand(FileInfo? exec)
    {
        var path = exec?.FullName ?? Environment.ProcessPath ?? throw new AgentFailure(ExitCodes.InternalError, "no-path", "Cannot tell this program's path; give it with --exec.");
        if (path.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
        {
            return [DotnetHost(), path];
        }

        return Path.GetFileNameWithoutExtension(path) == "dotnet"
            ? [path, Path.Combine(AppContext.BaseDirectory, "gsagent.dll")]
            : [path];
    }

    private async Task<int> ApplyAsync(ServiceInstallPlan plan, bool dryRun, bool writeUnitOnDryRun, string doneStatus, CancellationToken cancellationToken)
    {
        var steps = plan.Steps.Select(s => s.Description).ToList();
        if (dryRun)
        {
            if (writeUnitOnDryRun && plan.UnitPath is not null && plan.UnitContent is not null)
            {
                Directory.CreateDirectory(Path.GetDirectoryName(plan.UnitPath)!);
                await File.WriteAllTextAsync(plan.UnitPath, plan.UnitContent, cancellationToken);
            }

            output.Document(new InstallOutput("dry-run", plan.ServiceName, plan.UnitPath, plan.UnitContent, steps), AgentJson.Default.InstallOutput);
            output.Line("Dry run: nothing was changed. The steps would be:");
            foreach (var s in steps)
            {
                output.Line("  " + s);
            }

            if (plan.UnitContent is not null)
            {
                output.Line(string.Empty);
                output.Line($"--- {plan.UnitPath}{(writeUnitOnDryRun ? " (written)" : string.Empty)}");
                output.Line(plan.UnitContent);
            }

            return ExitCodes.Success;
        }

        if (!Environment.IsPrivilegedProcess)
        {
            throw new AgentFailure(ExitCodes.FolderOrSystemError, "not-privileged", "Installing a service needs root (sudo) or an administrator prompt. Use --dry-run to see the steps.");
        }

        await plan.ExecuteAsync(output.Json ? TextWriter.Null : output.Out, cancellationToken);
        output.Document(new InstallOutput(doneStatus, plan.ServiceName, plan.UnitPath, plan.UnitContent, steps), AgentJson.Default.InstallOutput);
        output.Line($"Service {plan.ServiceName} {doneStatus}.");
        return ExitCodes.Success;
    }

    private static async Task<bool> UserExistsAsync(string user, CancellationToken cancellationToken)
    {
        var psi = new ProcessStartInfo("id") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add("-u");
        psi.ArgumentList.Add(user);
        using var p = Process.Start(psi)!;
        await p.WaitForExitAsync(cancellationToken);
        return p.ExitCode == 0;
    }

    private static bool IsValidUserName(string user) =>
        user.Length is > 0 and <= 32 && (char.IsAsciiLetterLower(user[0]) || user[0] == '_') && user.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '-' or '_');

    private static string DotnetHost()
    {
        var process = Environment.ProcessPath;
        return process is not null && Path.GetFileNameWithoutExtension(process) == "dotnet" ? process : "/usr/bin/dotnet";
    }
}
