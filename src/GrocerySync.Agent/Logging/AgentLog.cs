using Microsoft.Extensions.Logging;

namespace GrocerySync.Agent.Logging;

/// <summary>The agent's log messages (source-generated). Never pass a secret: keys and plugin settings are not logged.</summary>
internal static partial class AgentLog
{
    [LoggerMessage(EventId = (int)LoggingEventIds.AgentStarting, Level = LogLevel.Information,
        Message = "GrocerySync agent {Version} starting: hub {Hub}, agent {AgentName} ({AgentId}), folder {Folder}, up to {MaxConcurrentRuns} runs at once, outbox cap {OutboxMaxBytes} bytes, API key stored encrypted")]
    public static partial void AgentStarting(this ILogger logger, string version, Uri hub, string agentName, Guid agentId, string folder, int maxConcurrentRuns, long outboxMaxBytes);

    [LoggerMessage(EventId = (int)LoggingEventIds.AgentStopping, Level = LogLevel.Information, Message = "GrocerySync agent stopping")]
    public static partial void AgentStopping(this ILogger logger);

    [LoggerMessage(EventId = (int)LoggingEventIds.AgentRevoked, Level = LogLevel.Critical,
        Message = "The hub revoked this agent's key ({Detail}); the agent stops. Enroll it again with a new token to resume.")]
    public static partial void AgentRevoked(this ILogger logger, string detail);

    [LoggerMessage(EventId = (int)LoggingEventIds.UpgradeSuggested, Level = LogLevel.Warning,
        Message = "The hub ships agent {CurrentAgentVersion}; this agent is {Version}: an upgrade is suggested")]
    public static partial void UpgradeSuggested(this ILogger logger, string currentAgentVersion, string version);

    [LoggerMessage(EventId = (int)LoggingEventIds.ClockSkew, Level = LogLevel.Warning,
        Message = "This machine's clock differs from the hub's by {SkewSeconds:0} s; run times and logs will look shifted")]
    public static partial void ClockSkew(this ILogger logger, double skewSeconds);

    [LoggerMessage(EventId = (int)LoggingEventIds.UnexpectedError, Level = LogLevel.Error, Message = "Unexpected error in {Operation}")]
    public static partial void UnexpectedError(this ILogger logger, string operation, Exception exception);

    [LoggerMessage(EventId = (int)LoggingEventIds.HubUnreachable, Level = LogLevel.Warning,
        Message = "The hub is unreachable ({Reason}): {Detail} Work, events and logs wait in the outbox and are delivered when it answers again.")]
    public static partial void HubUnreachable(this ILogger logger, string reason, string detail);

    [LoggerMessage(EventId = (int)LoggingEventIds.HubReachable, Level = LogLevel.Information, Message = "The hub answers again after {DownSeconds:0} s")]
    public static partial void HubReachable(this ILogger logger, double downSeconds);

    [LoggerMessage(EventId = (int)LoggingEventIds.HubRejected, Level = LogLevel.Error, Message = "The hub refused the {Operation}: {Detail}")]
    public static partial void HubRejected(this ILogger logger, string operation, string detail);

    [LoggerMessage(EventId = (int)LoggingEventIds.HeartbeatIntervalChanged, Level = LogLevel.Information, Message = "The hub set the heartbeat interval to {Seconds} s")]
    public static partial void HeartbeatIntervalChanged(this ILogger logger, int seconds);

    [LoggerMessage(EventId = (int)LoggingEventIds.OutboxIdRenewed, Level = LogLevel.Warning,
        Message = "The hub has stored {Outbox} up to sequence {Acknowledged}, beyond the {LastAssigned} this outbox ever numbered (a restored or copied agent folder?): the outbox gets a new id so that nothing is skipped")]
    public static partial void OutboxIdRenewed(this ILogger logger, string outbox, long acknowledged, long lastAssigned);

    [LoggerMessage(EventId = (int)LoggingEventIds.RunReceived, Level = LogLevel.Information, Message = "Run {RunId} of job {JobName} received")]
    public static partial void RunReceived(this ILogger logger, Guid runId, string jobName);

    [LoggerMessage(EventId = (int)LoggingEventIds.RunStarted, Level = LogLevel.Information,
        Message = "Run {RunId} of job {JobName} started ({Mode}): source {Source}, adapter {Adapter}, destination {Destination}")]
    public static partial void RunStarted(this ILogger logger, Guid runId, string jobName, string mode, string source, string adapter, string destination);

    [LoggerMessage(EventId = (int)LoggingEventIds.RunProgress, Level = LogLevel.Information,
        Message = "Run {RunId}: read {Read}, written {Written}, rejected {Rejected} after {ElapsedSeconds:0} s")]
    public static partial void RunProgress(this ILogger logger, Guid runId, long read, long written, long rejected, double elapsedSeconds);

    [LoggerMessage(EventId = (int)LoggingEventIds.RunSucceeded, Level = LogLevel.Information,
        Message = "Run {RunId} of job {JobName} succeeded in {ElapsedSeconds:0.0} s: read {Read}, changed {Changed}, written {Written}, rejected {Rejected}")]
    public static partial void RunSucceeded(this ILogger logger, Guid runId, string jobName, double elapsedSeconds, long read, long changed, long written, long rejected);

    [LoggerMessage(EventId = (int)LoggingEventIds.RunFailed, Level = LogLevel.Error, Message = "Run {RunId} of job {JobName} ended {Status}: {Reason}")]
    public static partial void RunFailed(this ILogger logger, Guid runId, string jobName, string status, string reason);

    [LoggerMessage(EventId = (int)LoggingEventIds.RunRejectsSummary, Level = LogLevel.Warning,
        Message = "Run {RunId}: {Rejected} rows rejected ({RejectRate:P2}); by field: {ByField}")]
    public static partial void RunRejectsSummary(this ILogger logger, Guid runId, long rejected, double rejectRate, string byField);

    [LoggerMessage(EventId = (int)LoggingEventIds.RunRejectSample, Level = LogLevel.Warning, Message = "Run {RunId}: line {Line} rejected, {Field}: {Reason}")]
    public static partial void RunRejectSample(this ILogger logger, Guid runId, long line, string field, string reason);

    [LoggerMessage(EventId = (int)LoggingEventIds.RunCancelRequested, Level = LogLevel.Information, Message = "Run {RunId}: cancelling ({Why})")]
    public static partial void RunCancelRequested(this ILogger logger, Guid runId, string why);

    [LoggerMessage(EventId = (int)LoggingEventIds.RunDuplicateIgnored, Level = LogLevel.Warning, Message = "Run {RunId} was dispatched again while this agent already has it; the duplicate is ignored")]
    public static partial void RunDuplicateIgnored(this ILogger logger, Guid runId);

    [LoggerMessage(EventId = (int)LoggingEventIds.ShutdownWaiting, Level = LogLevel.Information, Message = "Stopping: waiting up to {GraceSeconds:0} s for {Count} running runs to finish")]
    public static partial void ShutdownWaiting(this ILogger logger, int count, double graceSeconds);

    [LoggerMessage(EventId = (int)LoggingEventIds.ShutdownCancelling, Level = LogLevel.Warning, Message = "Stopping: the grace period passed, cancelling {Count} runs")]
    public static partial void ShutdownCancelling(this ILogger logger, int count);

    [LoggerMessage(EventId = (int)LoggingEventIds.PluginDownloading, Level = LogLevel.Information, Message = "Downloading plugin {PluginId} {Version} from the hub")]
    public static partial void PluginDownloading(this ILogger logger, string pluginId, string version);

    [LoggerMessage(EventId = (int)LoggingEventIds.PluginDownloaded, Level = LogLevel.Information, Message = "Plugin {PluginId} {Version} downloaded ({Bytes} bytes) and verified")]
    public static partial void PluginDownloaded(this ILogger logger, string pluginId, string version, long bytes);

    [LoggerMessage(EventId = (int)LoggingEventIds.PluginCacheHit, Level = LogLevel.Debug, Message = "Plugin {PluginId} {Version} found in the cache")]
    public static partial void PluginCacheHit(this ILogger logger, string pluginId, string version);

    [LoggerMessage(EventId = (int)LoggingEventIds.PluginRefused, Level = LogLevel.Error, Message = "Plugin {PluginId} {Version} refused ({Status}): {Reason}")]
    public static partial void PluginRefused(this ILogger logger, string pluginId, string version, string status, string reason);

    [LoggerMessage(EventId = (int)LoggingEventIds.PluginCacheDiscarded, Level = LogLevel.Warning, Message = "Cached plugin {PluginId} {Version} discarded: {Reason}")]
    public static partial void PluginCacheDiscarded(this ILogger logger, string pluginId, string version, string reason);

    [LoggerMessage(EventId = (int)LoggingEventIds.ConnectionTestReceived, Level = LogLevel.Information, Message = "Connection test {TestId} of destination {DestinationName} ({PluginId} {Version}) received")]
    public static partial void ConnectionTestReceived(this ILogger logger, Guid testId, string destinationName, string pluginId, string version);

    [LoggerMessage(EventId = (int)LoggingEventIds.ConnectionTestSucceeded, Level = LogLevel.Information, Message = "Connection test {TestId} of destination {DestinationName} succeeded: {Message}")]
    public static partial void ConnectionTestSucceeded(this ILogger logger, Guid testId, string destinationName, string message);

    [LoggerMessage(EventId = (int)LoggingEventIds.ConnectionTestFailed, Level = LogLevel.Warning, Message = "Connection test {TestId} of destination {DestinationName} failed: {Message}")]
    public static partial void ConnectionTestFailed(this ILogger logger, Guid testId, string destinationName, string message);

    [LoggerMessage(EventId = (int)LoggingEventIds.ConnectionTestReportDropped, Level = LogLevel.Warning,
        Message = "The result of connection test {TestId} was not delivered ({Reason}) and is dropped; the hub fails the test when it expires, and it can be run again")]
    public static partial void ConnectionTestReportDropped(this ILogger logger, Guid testId, string reason);
}
