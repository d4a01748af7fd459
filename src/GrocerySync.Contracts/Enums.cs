using System.Text.Json.Serialization;
namespace GrocerySync.Contracts;

/// <summary>Lifecycle of one run of a job: Queued → Dispatched → Running → a final state.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<RunStatus>))]
public enum RunStatus
{
    Queued = 0,
    Dispatched = 1,
    Running = 2,
    Succeeded = 3,
    Failed = 4,
    TimedOut = 5,
    Cancelled = 6,
}

/// <summary>What started a run.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<RunTrigger>))]
public enum RunTrigger
{
    Schedule = 0,
    Manual = 1,
    Retry = 2,
}

/// <summary>Whether a run sends only what changed since the last successful run, or everything.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<SyncMode>))]
public enum SyncMode
{
    Delta = 0,
    Full = 1,
}

/// <summary>Agent connectivity as the hub sees it.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<AgentStatus>))]
public enum AgentStatus
{
    Pending = 0,
    Online = 1,
    Offline = 2,
    Revoked = 3,
}

/// <summary>Severity of a log line shipped by an agent or written by the hub.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<LogSeverity>))]
public enum LogSeverity
{
    Trace = 0,
    Debug = 1,
    Information = 2,
    Warning = 3,
    Error = 4,
    Critical = 5,
}

/// <summary>Kind of a plugin in the catalog.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<PluginKind>))]
public enum PluginKind
{
    Source = 0,
    Destination = 1,
    Adapter = 2,
}

/// <summary>Extension methods over the run lifecycle.</summary>
public static class RunStatusExtensions
{
    /// <summary>True for the states a run never leaves.</summary>
    public static bool IsFinal(this RunStatus status) =>
        status is RunStatus.Succeeded or RunStatus.Failed or RunStatus.TimedOut or RunStatus.Cancelled;
}
