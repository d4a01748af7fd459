using System.ComponentModel.DataAnnotations;
using System.Reflection;

namespace GrocerySync.Hub.Features.Agents;

/// <summary>Settings under <c>Hub:Agents</c>: enrollment, API keys, heartbeats and the offline rule.</summary>
internal sealed class AgentOptions
{
    public const string Section = "Hub:Agents";

    /// <summary>The agent version this hub ships; older agents are told an upgrade is suggested. Empty: the hub's own version.</summary>
    public string? CurrentVersion { get; set; }

    /// <summary>How long a one-time enrollment token is valid.</summary>
    [Range(typeof(TimeSpan), "00:05:00", "30.00:00:00")]
    public TimeSpan EnrollmentTokenLifetime { get; set; } = TimeSpan.FromHours(24);

    /// <summary>Enrollment attempts per client IP per minute.</summary>
    [Range(1, 100_000)]
    public int EnrollPerMinute { get; set; } = 10;

    /// <summary>Requests per agent per minute on <c>/agent/v1</c>.</summary>
    [Range(1, 1_000_000)]
    public int RequestsPerMinute { get; set; } = 600;

    /// <summary>How long a verified API key is trusted without reading the database; revocation takes effect within it.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan KeyCacheDuration { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>An agent is Offline once its last heartbeat is older than its interval plus this grace.</summary>
    [Range(typeof(TimeSpan), "00:00:10", "01:00:00")]
    public TimeSpan OfflineGrace { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How often the heartbeat monitor looks for agents that went offline.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan MonitorInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Longest time a heartbeat waits in memory before its batch is written.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:00:10")]
    public TimeSpan HeartbeatFlushInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Most heartbeats written in one statement.</summary>
    [Range(1, 100_000)]
    public int HeartbeatBatchSize { get; set; } = 5000;

    /// <summary>The version agents are compared with: <see cref="CurrentVersion"/>, else the hub's informational version.</summary>
    public string EffectiveCurrentVersion =>
        string.IsNullOrWhiteSpace(CurrentVersion) ? HubVersion : CurrentVersion.Trim();

    private static readonly string HubVersion =
        (typeof(AgentOptions).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "1.0.0").Split('+')[0];
}
