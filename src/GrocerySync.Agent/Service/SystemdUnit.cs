using System.Globalization;
using System.Text;

namespace GrocerySync.Agent.Service;

/// <summary>What the systemd unit runs and may touch.</summary>
/// <param name="Command">The executable and its leading arguments (e.g. <c>dotnet</c> and the agent's dll), before <c>run</c>.</param>
/// <param name="ConfigDir">The agent folder (the only place the service writes, besides <paramref name="ReadWritePaths"/>).</param>
/// <param name="User">The dedicated service account.</param>
/// <param name="ReadWritePaths">Further folders the jobs write to (folder destinations).</param>
/// <param name="StopTimeout">How long systemd waits for a graceful stop before it kills the agent.</param>
internal sealed record SystemdUnitSpec(IReadOnlyList<string> Command, string ConfigDir, string User, IReadOnlyList<string> ReadWritePaths, TimeSpan StopTimeout);

/// <summary>
/// The agent's systemd unit: <c>Type=notify</c> (the host reports ready through Microsoft.Extensions.Hosting.Systemd), a
/// dedicated user, a read-only system except the agent folder, no new privileges, and no restart after a revocation
/// (<see cref="ExitCodes.Revoked"/>) or a configuration error.
/// </summary>
internal static class SystemdUnit
{
    public const string UnitName = "gsagent.service";

    public static string Render(SystemdUnitSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var inv = CultureInfo.InvariantCulture;
        var exec = string.Join(' ', spec.Command.Concat(["run", "--config-dir", spec.ConfigDir]).Select(Quote));
        var writable = string.Join(' ', new[] { spec.ConfigDir }.Concat(spec.ReadWritePaths).Select(Quote));
        var sb = new StringBuilder();
        sb.Append(inv, $"""
            # Written by `gsagent install`; `gsagent uninstall` removes it.
            [Unit]
            Description=GrocerySync agent
            Wants=network-online.target
            After=network-online.target

            [Service]
            Type=notify
            User={spec.User}
            Group={spec.User}
            ExecStart={exec}
            WorkingDirectory={spec.ConfigDir}
            Environment=DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1
            Restart=on-failure
            RestartSec=10
            # {ExitCodes.Revoked}: the hub revoked the key; {ExitCodes.ConfigurationError}: invalid settings or a newer agent's folder; {ExitCodes.NotEnrolled}: not enrolled.
            RestartPreventExitStatus={ExitCodes.Revoked} {ExitCodes.ConfigurationError} {ExitCodes.NotEnrolled}
            TimeoutStopSec={(int)Math.Ceiling(spec.StopTimeout.TotalSeconds)}
            KillMode=mixed
            UMask=0077

            # Hardening: the agent reads the store's exports and writes only its own folder (and the given destinations).
            NoNewPrivileges=yes
            ProtectSystem=strict
            ReadWritePaths={writable}
            ProtectHome=read-only
            PrivateTmp=yes
            PrivateDevices=yes
            ProtectKernelTunables=yes
            ProtectKernelModules=yes
            ProtectKernelLogs=yes
            ProtectControlGroups=yes
            ProtectClock=yes
            ProtectHostname=yes
            ProtectProc=invisible
            RestrictSUIDSGID=yes
            RestrictRealtime=yes
            RestrictNamespaces=yes
            LockPersonality=yes
            RemoveIPC=yes
            CapabilityBoundingSet=
            AmbientCapabilities=
            RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX
            SystemCallArchitectures=native
            # Not set: MemoryDenyWriteExecute (the .NET JIT writes code) and SystemCallFilter (untested set for the runtime).

            [Install]
            WantedBy=multi-user.target

            """);
        return sb.ToString().ReplaceLineEndings("\n");
    }

    /// <summary>Quotes a word for a unit file when it holds spaces, quotes or backslashes.</summary>
    private static string Quote(string word) =>
        word.Length > 0 && word.All(c => !char.IsWhiteSpace(c) && c is not '"' and not '\\' and not '\'' and not ';')
            ? word
            : "\"" + word.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
}
