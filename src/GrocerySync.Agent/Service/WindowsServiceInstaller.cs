namespace GrocerySync.Agent.Service;

/// <summary>
/// <c>install</c> on Windows: a service running as its virtual account <c>NT SERVICE\GrocerySyncAgent</c> (no password,
/// no rights beyond its own), the agent folder's ACL reduced to that account and the administrators, recovery actions
/// that restart it after a crash (twice a day at most, so a revoked agent does not loop), then started. The host runs
/// as a Windows service through Microsoft.Extensions.Hosting.WindowsServices.
/// </summary>
internal static class WindowsServiceInstaller
{
    public const string ServiceName = "GrocerySyncAgent";
    public const string Account = @"NT SERVICE\" + ServiceName;

    public static ServiceInstallPlan Install(IReadOnlyList<string> command, string configDir)
    {
        ArgumentNullException.ThrowIfNull(command);
        var binPath = string.Join(' ', command.Concat(["run", "--config-dir", configDir]).Select(a => a.Contains(' ', StringComparison.Ordinal) ? $"\"{a}\"" : a));
        var steps = new List<InstallStep>
        {
            new($"create {configDir}", Command: ["cmd.exe", "/c", "if not exist \"" + configDir + "\" mkdir \"" + configDir + "\""]),
            new($"create service {ServiceName}", Command: ["sc.exe", "create", ServiceName, "binPath=", binPath, "start=", "delayed-auto", "obj=", Account, "DisplayName=", "GrocerySync agent"]),
            new("describe it", Command: ["sc.exe", "description", ServiceName, "Runs GrocerySync sync jobs next to the store system."]),
            new("restart after a crash (at most twice a day)", Command: ["sc.exe", "failure", ServiceName, "reset=", "86400", "actions=", "restart/60000/restart/300000//"]),
            new($"restrict {configDir} to {Account} and Administrators", Command: ["icacls", configDir, "/inheritance:r", "/grant:r", $"{Account}:(OI)(CI)F", "*S-1-5-32-544:(OI)(CI)F", "/T"]),
            new($"start {ServiceName}", Command: ["sc.exe", "start", ServiceName]),
        };
        return new ServiceInstallPlan(ServiceName, null, null, steps);
    }

    public static ServiceInstallPlan Uninstall() => new(ServiceName, null, null,
    [
        new($"stop {ServiceName}", Command: ["sc.exe", "stop", ServiceName], IgnoreFailure: true),
        new($"delete service {ServiceName}", Command: ["sc.exe", "delete", ServiceName]),
    ]);
}
