namespace GrocerySync.Agent.Configuration;

/// <summary>
/// The agent's folder: enrollment config (with the encrypted key), its key ring, the outbox, delta state per job,
/// the plugin cache and the live status. One folder, owned by the service account and readable by it only.
/// </summary>
internal sealed class AgentFolder
{
    /// <summary>Environment variable naming the folder when <c>--config-dir</c> is not given.</summary>
    public const string EnvironmentVariable = "GSAGENT_CONFIG_DIR";

    public AgentFolder(string root) => Root = Path.GetFullPath(root);

    public string Root { get; }

    /// <summary>Layout version of the folder (see <see cref="AgentState"/>).</summary>
    public string StateFile => Path.Combine(Root, "state.json");

    /// <summary>Enrollment: hub, agent id, the API key protected with the Data Protection API.</summary>
    public string ConfigFile => Path.Combine(Root, "agent.json");

    /// <summary>What the running agent last saw (heartbeat, runs); read by <c>gsagent status</c>.</summary>
    public string StatusFile => Path.Combine(Root, "status.json");

    /// <summary>The SQLite store-and-forward outbox of run events and log lines.</summary>
    public string OutboxFile => Path.Combine(Root, "outbox.db");

    /// <summary>The Data Protection key ring that protects the API key.</summary>
    public string KeysFolder => Path.Combine(Root, "keys");

    /// <summary>Delta state, one folder per job id.</summary>
    public string JobsFolder => Path.Combine(Root, "jobs");

    /// <summary>Plugin packages downloaded from the hub: <c>plugins/&lt;id&gt;/&lt;version&gt;/</c>.</summary>
    public string PluginsFolder => Path.Combine(Root, "plugins");

    /// <summary>Optional operator settings (<c>Agent:*</c>) read by <c>gsagent run</c>.</summary>
    public string SettingsFile => Path.Combine(Root, "appsettings.json");

    public string JobStateFolder(Guid jobId) => Path.Combine(JobsFolder, jobId.ToString("D"));

    /// <summary>What relative paths in plugin settings resolve against: <c>Agent:BaseDirectory</c> (relative to this folder), else this folder.</summary>
    public string BaseDirectory(string? configured) => string.IsNullOrWhiteSpace(configured) ? Root : Path.GetFullPath(configured, Root);

    /// <summary>The default folder: <c>/var/lib/gsagent</c> on Linux, <c>%ProgramData%\GrocerySync\Agent</c> on Windows.</summary>
    public static string DefaultRoot() => OperatingSystem.IsWindows()
        ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.CommonApplicationData), "GrocerySync", "Agent")
        : "/var/lib/gsagent";

    /// <summary>The folder from <c>--config-dir</c>, else <see cref="EnvironmentVariable"/>, else the default.</summary>
    public static AgentFolder Resolve(DirectoryInfo? option)
    {
        if (option is not null)
        {
            return new AgentFolder(option.FullName);
        }

        var fromEnvironment = Environment.GetEnvironmentVariable(EnvironmentVariable);
        return new AgentFolder(string.IsNullOrWhiteSpace(fromEnvironment) ? DefaultRoot() : fromEnvironment);
    }
}
