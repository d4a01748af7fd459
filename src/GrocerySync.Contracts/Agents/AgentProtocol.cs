using System.Text.Json.Serialization;

namespace GrocerySync.Contracts.Agents;

// The agent protocol: what an agent and the hub say to each other under /agent/v1. The agent only ever
// calls out (store firewalls); every call but enroll carries "Authorization: Bearer <api key>".
// Changing a record here changes the wire format: keep old fields readable, add new ones as optional.

/// <summary>Paths of the agent protocol, relative to the hub's base address.</summary>
public static class AgentRoutes
{
    /// <summary>Exchanges a one-time enrollment token for an API key (anonymous).</summary>
    public const string Enroll = "agent/v1/enroll";

    /// <summary>Reports liveness and inventory; answers the interval and runs to cancel.</summary>
    public const string Heartbeat = "agent/v1/heartbeat";

    /// <summary>Long-poll for work: answers runs to start (200) or nothing within the wait (204).</summary>
    public const string Work = "agent/v1/work";

    /// <summary>Delivers a batch of outbox events (run state changes and progress).</summary>
    public const string Events = "agent/v1/events";

    /// <summary>Delivers a batch of log lines.</summary>
    public const string Logs = "agent/v1/logs";

    /// <summary>Downloads one plugin package as a zip: <c>agent/v1/plugins/{id}/{version}</c>.</summary>
    public const string Plugins = "agent/v1/plugins";

    /// <summary>Connection tests: the agent posts a test's outcome to <c>agent/v1/connection-tests/{id}/result</c>.</summary>
    public const string ConnectionTests = "agent/v1/connection-tests";

    /// <summary>The scheme of the API key in the Authorization header.</summary>
    public const string KeyScheme = "Bearer";

    /// <summary>Longest long-poll wait an agent may ask for, in seconds.</summary>
    public const int MaxWaitSeconds = 60;

    /// <summary>Query parameter of <see cref="Work"/> (GET): how long the hub may hold the poll, in seconds (≤ <see cref="MaxWaitSeconds"/>).</summary>
    public const string WaitSecondsQuery = "waitSeconds";

    /// <summary>
    /// Optional query parameter of <see cref="Work"/>: the most runs the agent can start now (its free slots; 0 asks for
    /// connection tests only); a hub may hand out fewer.
    /// </summary>
    public const string MaxRunsQuery = "maxRuns";
}

/// <summary>What the agent says about itself on enrollment and with every heartbeat.</summary>
/// <param name="AgentVersion">Semantic version of the agent.</param>
/// <param name="OperatingSystem">OS description, e.g. <c>Debian GNU/Linux 12 (x64)</c>.</param>
/// <param name="HostName">Machine name.</param>
public sealed record AgentIdentity(string AgentVersion, string OperatingSystem, string HostName);

/// <summary>Enrollment request: the one-time token a retailer admin or technician got from the hub.</summary>
public sealed record EnrollRequest(string Token, AgentIdentity Agent);

/// <summary>Enrollment answer. The API key is shown here once; the hub keeps only its hash.</summary>
/// <param name="AgentId">The agent's id in the hub.</param>
/// <param name="RetailerId">The retailer the agent works for.</param>
/// <param name="AgentName">The agent's name in the hub.</param>
/// <param name="ApiKey">The agent's secret key: <c>gsa_&lt;prefix&gt;_&lt;secret&gt;</c>.</param>
/// <param name="HeartbeatIntervalSeconds">How often to heartbeat.</param>
public sealed record EnrollResponse(Guid AgentId, Guid RetailerId, string AgentName, string ApiKey, int HeartbeatIntervalSeconds);

/// <summary>A plugin version the agent has loaded (or cached), for the hub's inventory.</summary>
public sealed record AgentPluginInfo(string Id, string Version);

/// <summary>A heartbeat: the agent is alive, this is what it has and runs.</summary>
/// <param name="Agent">Version, OS and host name.</param>
/// <param name="Plugins">Plugin versions available to the agent.</param>
/// <param name="RunningRunIds">Runs the agent is executing now.</param>
/// <param name="QueuedOutboxItems">Items waiting in the agent's outbox (its backlog).</param>
public sealed record HeartbeatRequest(AgentIdentity Agent, IReadOnlyList<AgentPluginInfo> Plugins, IReadOnlyList<Guid> RunningRunIds, long QueuedOutboxItems);

/// <summary>The hub's answer to a heartbeat.</summary>
/// <param name="HeartbeatIntervalSeconds">The interval the hub wants (it may change).</param>
/// <param name="ServerTime">The hub's clock, so the agent can report skew.</param>
/// <param name="CancelRunIds">Runs the hub wants stopped (cancelled by a user, or already ended by the hub).</param>
/// <param name="UpgradeSuggested">True when the hub ships a newer agent than this one.</param>
/// <param name="CurrentAgentVersion">The agent version the hub ships.</param>
public sealed record HeartbeatResponse(int HeartbeatIntervalSeconds, DateTimeOffset ServerTime, IReadOnlyList<Guid> CancelRunIds, bool UpgradeSuggested, string CurrentAgentVersion);

/// <summary>One plugin a run uses, with the exact version, its package hash and its settings.</summary>
/// <param name="PluginId">Plugin id (manifest id).</param>
/// <param name="Version">Plugin version; the agent downloads it from <see cref="AgentRoutes.Plugins"/> when not cached.</param>
/// <param name="Sha256">Lower-case hex SHA-256 of the package (as the plugin loader computes it).</param>
/// <param name="Settings">Setting name to text value, secrets included (decrypted for this agent only; never log them).</param>
public sealed record RunPlugin(string PluginId, string Version, string Sha256, IReadOnlyDictionary<string, string?> Settings);

/// <summary>Which records a run sends (the job's filters).</summary>
public sealed record RunFilters
{
    public IReadOnlyList<string> Departments { get; init; } = [];

    public IReadOnlyList<string> Categories { get; init; } = [];

    public IReadOnlyList<string> Stores { get; init; } = [];

    public bool ActiveOnly { get; init; }
}

/// <summary>Everything an agent needs to execute one run. Sent only to the agent that owns the job.</summary>
/// <param name="RunId">The run's id; every event about it names it.</param>
/// <param name="JobId">The job's id; names the delta state on the agent.</param>
/// <param name="JobName">For logs and status.</param>
/// <param name="Mode">Delta or full.</param>
/// <param name="Source">Source plugin.</param>
/// <param name="Adapter">Adapter plugin.</param>
/// <param name="Destination">Destination plugin.</param>
/// <param name="Mapping">Canonical field name to source column; empty for automatic mapping.</param>
/// <param name="Filters">Record filters.</param>
/// <param name="TimeoutSeconds">The run fails as TimedOut after this long.</param>
/// <param name="LeaseSeconds">The agent must renew the run's lease (progress or running event) within this.</param>
public sealed record RunSpec(
    Guid RunId,
    Guid JobId,
    string JobName,
    SyncMode Mode,
    RunPlugin Source,
    RunPlugin Adapter,
    RunPlugin Destination,
    IReadOnlyDictionary<string, string> Mapping,
    RunFilters Filters,
    int TimeoutSeconds,
    int LeaseSeconds)
{
    /// <summary>Currency of records that carry none.</summary>
    public string Currency { get; init; } = "USD";

    /// <summary>Guard rail: largest share of the catalog a run may change or delete without approval.</summary>
    public double MaxChangeShare { get; init; } = 0.30;

    /// <summary>A user approved a run above the guard rail.</summary>
    public bool ApproveLargeChange { get; init; }

    /// <summary>A run whose rejected share exceeds this fails.</summary>
    public double MaxRejectShare { get; init; } = 0.05;
}

/// <summary>The answer to a work poll: runs the hub dispatched to this agent.</summary>
public sealed record WorkResponse(IReadOnlyList<RunSpec> Runs)
{
    /// <summary>
    /// Destination connection tests for this agent to run now, outside its run slots. An agent that does not know
    /// this field ignores it, and the hub lets such a test expire.
    /// </summary>
    public IReadOnlyList<ConnectionTestSpec> ConnectionTests { get; init; } = [];
}

/// <summary>One destination connection test for the agent to run. Sent only to the agent the test was given to.</summary>
/// <param name="TestId">The test's id; the result names it (<see cref="AgentRoutes.ConnectionTests"/>).</param>
/// <param name="DestinationName">For logs.</param>
/// <param name="Destination">The destination plugin, its package hash and its settings with the decrypted secrets (never log them).</param>
public sealed record ConnectionTestSpec(Guid TestId, string DestinationName, RunPlugin Destination);

/// <summary>What a connection test found, posted once to <c>agent/v1/connection-tests/{id}/result</c>.</summary>
/// <param name="Success">Whether the destination can be written.</param>
/// <param name="Message">What the plugin said, or why the test could not run (never a secret).</param>
public sealed record ConnectionTestReport(bool Success, string? Message);

/// <summary>The hub's answer to a connection test result.</summary>
/// <param name="Recorded">False when the test had ended already (answered before, or expired): the answer was ignored.</param>
public sealed record ConnectionTestAcknowledgement(bool Recorded);

/// <summary>Record counts of a run so far (or at its end).</summary>
public sealed record RunCounts(long Read, long Changed, long Written, long Rejected, long BytesWritten);

/// <summary>What an outbox event says about a run.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<RunEventKind>))]
public enum RunEventKind
{
    /// <summary>The agent started the run (Dispatched → Running).</summary>
    Started = 0,

    /// <summary>Progress: counts so far; renews the lease.</summary>
    Progress = 1,

    /// <summary>The run ended; <see cref="RunEvent.FinalStatus"/> says how.</summary>
    Finished = 2,
}

/// <summary>One event from the agent's outbox about one run.</summary>
/// <param name="Sequence">The event's position in the agent's outbox (see <see cref="EventBatch"/>).</param>
/// <param name="RunId">The run.</param>
/// <param name="Kind">Started, progress or finished.</param>
/// <param name="At">When it happened on the agent.</param>
/// <param name="Counts">Counts so far or final.</param>
/// <param name="FinalStatus">For <see cref="RunEventKind.Finished"/>: Succeeded, Failed, TimedOut or Cancelled.</param>
/// <param name="Message">Why a run did not succeed, for the user; null otherwise.</param>
public sealed record RunEvent(long Sequence, Guid RunId, RunEventKind Kind, DateTimeOffset At, RunCounts? Counts, RunStatus? FinalStatus, string? Message);

/// <summary>
/// A batch of outbox events. Delivery is exactly-once by sequence: the agent numbers its outbox items 1, 2, 3…
/// within one outbox (<paramref name="OutboxId"/>, created with the agent's state folder) and sends them in order;
/// the hub applies only items above the highest sequence it has stored for that outbox, in the same transaction
/// that stores the new highest, and answers it. A resent batch is therefore applied once.
/// </summary>
public sealed record EventBatch(Guid OutboxId, IReadOnlyList<RunEvent> Events);

/// <summary>The hub's answer to a delivered batch.</summary>
/// <param name="AcknowledgedSequence">The highest sequence the hub has stored for this outbox; the agent may delete up to it.</param>
/// <param name="CancelRunIds">Runs the hub wants stopped.</param>
public sealed record BatchAcknowledgement(long AcknowledgedSequence, IReadOnlyList<Guid> CancelRunIds);

/// <summary>One log line from the agent.</summary>
/// <param name="Sequence">The line's position in the agent's log outbox (its own sequence, as for events).</param>
/// <param name="RunId">The run the line belongs to, or null for agent-level lines.</param>
/// <param name="Timestamp">When it was written on the agent.</param>
/// <param name="Level">Severity.</param>
/// <param name="Category">Logger category.</param>
/// <param name="Message">The rendered message (never a secret).</param>
/// <param name="Properties">Structured properties as a JSON object, or null.</param>
public sealed record AgentLogLine(long Sequence, Guid? RunId, DateTimeOffset Timestamp, LogSeverity Level, string Category, string Message, string? Properties);

/// <summary>A batch of log lines, delivered exactly-once by sequence as <see cref="EventBatch"/> is.</summary>
/// <param name="OutboxId">The log outbox's id.</param>
/// <param name="Lines">Lines in sequence order.</param>
/// <param name="DroppedLines">Lines the agent dropped (disk cap reached) since its last delivered batch.</param>
public sealed record LogBatch(Guid OutboxId, IReadOnlyList<AgentLogLine> Lines, long DroppedLines);
