namespace GrocerySync.Agent.Service;

/// <summary>
/// <c>install</c> on Linux: a dedicated system user, the agent folder owned by it (0700), the unit file, then
/// <c>systemctl daemon-reload</c> and <c>systemctl enable --now</c>. <c>uninstall</c> stops, disables and removes the unit;
/// the folder and the user stay (they hold the enrollment), unless <c>--purge</c>.
/// </summary>
internal static class LinuxServiceInstaller
{
    public const string DefaultUnitDir = "/etc/systemd/system";

    public static ServiceInstallPlan Install(SystemdUnitSpec spec, string unitDir, bool userExists)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var unitPath = Path.Combine(unitDir, SystemdUnit.UnitName);
        var unit = SystemdUnit.Render(spec);
        var steps = new List<InstallStep>();
        if (!userExists)
        {
            steps.Add(new InstallStep($"create system user {spec.User}", Command: ["useradd", "--system", "--user-group", "--home-dir", spec.ConfigDir, "--no-create-home", "--shell", "/usr/sbin/nologin", "--comment", "GrocerySync agent", spec.User]));
        }

        steps.Add(new InstallStep($"create {spec.ConfigDir} (mode 0700)", Command: ["install", "-d", "-m", "0700", "-o", spec.User, "-g", spec.User, spec.ConfigDir]));
        steps.Add(new InstallStep($"give {spec.ConfigDir} to {spec.User}", Command: ["chown", "-R", $"{spec.User}:{spec.User}", spec.ConfigDir]));
        steps.Add(new InstallStep($"make {spec.ConfigDir} readable by {spec.User} only", Command: ["chmod", "-R", "u=rwX,go=", spec.ConfigDir]));
        steps.Add(new InstallStep($"write {unitPath}", unitPath, unit));
        steps.Add(new InstallStep("systemctl daemon-reload", Command: ["systemctl", "daemon-reload"]));
        steps.Add(new InstallStep($"systemctl enable --now {SystemdUnit.UnitName}", Command: ["systemctl", "enable", "--now", SystemdUnit.UnitName]));
        return new ServiceInstallPlan(SystemdUnit.UnitName, unitPath, unit, steps);
    }

    public static ServiceInstallPlan Uninstall(string unitDir, string configDir, string user, bool purge)
    {
        var unitPath = Path.Combine(unitDir, SystemdUnit.UnitName);
        var steps = new List<InstallStep>
        {
            new($"systemctl disable --now {SystemdUnit.UnitName}", Command: ["systemctl", "disable", "--now", SystemdUnit.UnitName], IgnoreFailure: true),
            new($"remove {unitPath}", unitPath),
            new("systemctl daemon-reload", Command: ["systemctl", "daemon-reload"], IgnoreFailure: true),
        };
        if (purge)
        {
            steps.Add(new InstallStep($"remove {configDir} (enrollment, outbox, state)", Command: ["rm", "-rf", "--one-file-system", configDir]));
            steps.Add(new InstallStep($"remove user {user}", Command: ["userdel", user], IgnoreFailure: true));
        }

        return new ServiceInstallPlan(SystemdUnit.UnitName, unitPath, null, steps);
    }
}
