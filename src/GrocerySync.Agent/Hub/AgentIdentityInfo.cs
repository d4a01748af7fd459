using System.Reflection;
using System.Runtime.InteropServices;
using GrocerySync.Contracts.Agents;

namespace GrocerySync.Agent.Hub;

/// <summary>What the agent says about itself: version, OS and host name.</summary>
internal static class AgentIdentityInfo
{
    /// <summary>The agent's semantic version (the assembly's informational version without build metadata).</summary>
    public static string Version { get; } = ReadVersion();

    public static AgentIdentity Current() => new(Version, OperatingSystemName(), Environment.MachineName);

    private static string ReadVersion()
    {
        var informational = typeof(AgentIdentityInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";
        var plus = informational.IndexOf('+', StringComparison.Ordinal);
        return plus < 0 ? informational : informational[..plus];
    }

    private static string OperatingSystemName()
    {
        var name = RuntimeInformation.OSDescription;
        if (OperatingSystem.IsLinux() && File.Exists("/etc/os-release"))
        {
            // PRETTY_NAME="Debian GNU/Linux 12 (bookworm)" says more to an operator than the kernel version.
            foreach (var line in File.ReadLines("/etc/os-release"))
            {
                if (line.StartsWith("PRETTY_NAME=", StringComparison.Ordinal))
                {
                    name = line["PRETTY_NAME=".Length..].Trim('"');
                    break;
                }
            }
        }

        return $"{name} ({RuntimeInformation.OSArchitecture.ToString().ToLowerInvariant()})";
    }
}
