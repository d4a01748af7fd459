using GrocerySync.Hub.Data;

namespace GrocerySync.Hub;

/// <summary>The hub's log messages. Event ids live here only and are never reused.</summary>
internal static partial class HubLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Database provider {Provider}; migrations on start: {ApplyMigrations}")]
    public static partial void DatabaseProvider(ILogger logger, DatabaseProvider provider, bool applyMigrations);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "API authentication: JWT bearer, signing key {KeySource}, access tokens valid for {Lifetime}")]
    public static partial void AuthMode(ILogger logger, string keySource, TimeSpan lifetime);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "Hub listening on {Urls}; API reference at /docs")]
    public static partial void Listening(ILogger logger, string urls);

    [LoggerMessage(EventId = 4, Level = LogLevel.Warning, Message = "Demo data seeded. Sign in as {Email} (platform admin), {RetailerAdminEmail} (retailer admin) or {TechnicianEmail} (technician) with the password {Password}. Demo mode is for trying the hub, never for production.")]
    public static partial void DemoSeeded(ILogger logger, string email, string retailerAdminEmail, string technicianEmail, string password);

    [LoggerMessage(EventId = 5, Level = LogLevel.Information, Message = "Demo mode: the database already has data, nothing seeded. Demo users sign in with the password {Password}.")]
    public static partial void DemoAlreadySeeded(ILogger logger, string password);

    [LoggerMessage(EventId = 14, Level = LogLevel.Warning, Message = "Demo agent '{Agent}' is not enrolled yet; the demo job's first sync is queued for it. In a second terminal, from the repository: dotnet run --project src/GrocerySync.Agent -- enroll --hub {HubUrl} --token {Token} --config-dir ./agent-home && dotnet run --project src/GrocerySync.Agent -- run --config-dir ./agent-home")]
    public static partial void DemoAgentWaiting(ILogger logger, string agent, string hubUrl, string token);

    [LoggerMessage(EventId = 15, Level = LogLevel.Error, Message = "Preparing the demo agent's enrollment failed; create an enrollment token with POST /api/v1/agents/{{id}}/enrollment-token instead")]
    public static partial void DemoAgentFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 6, Level = LogLevel.Information, Message = "Stored secrets: Data Protection keys in the database, encrypted with the master key {KeySource}")]
    public static partial void SecretsMode(ILogger logger, string keySource);

    [LoggerMessage(EventId = 7, Level = LogLevel.Information, Message = "Audit retention deleted {Count} entries older than {Cutoff} from chain {Chain} and recorded the checkpoint")]
    public static partial void AuditRetentionApplied(ILogger logger, int count, string chain, DateTimeOffset cutoff);

    [LoggerMessage(EventId = 8, Level = LogLevel.Error, Message = "The audit retention sweep failed; it runs again at the next interval")]
    public static partial void AuditRetentionFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 9, Level = LogLevel.Warning, Message = "Sending an invitation mail failed; the inviting admin got the link instead")]
    public static partial void InviteMailFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 10, Level = LogLevel.Warning, Message = "This hub has no platform admin yet. Create the first one within 24 hours by opening {SetupLink} (one use; a restart issues a new link and the old one stops working)")]
    public static partial void FirstAdminSetupLink(ILogger logger, string setupLink);

    [LoggerMessage(EventId = 11, Level = LogLevel.Information, Message = "Mail: {Mode}")]
    public static partial void MailMode(ILogger logger, string mode);

    [LoggerMessage(EventId = 12, Level = LogLevel.Warning, Message = "Secret keys rotated: {Reencrypted} connection secret sets and {Keys} key-ring entries re-encrypted under the new keys")]
    public static partial void KeysRotated(ILogger logger, int reencrypted, int keys);

    [LoggerMessage(EventId = 13, Level = LogLevel.Warning, Message = "Key rotation: the stored secret of {Kind} {Id} cannot be decrypted with any configured key; it was left as it is")]
    public static partial void UnreadableSecret(ILogger logger, string kind, Guid id);

    // Scheduling: 200-299.
    [LoggerMessage(EventId = 200, Level = LogLevel.Information, Message = "Job {JobId}: scheduled run {RunId} queued for the occurrence at {Occurrence:O}")]
    public static partial void ScheduledRunQueued(ILogger logger, Guid jobId, Guid runId, DateTimeOffset occurrence);

    [LoggerMessage(EventId = 201, Level = LogLevel.Warning, Message = "Job {JobId}: the occurrence at {Occurrence:O} was skipped because run {ActiveRunId} is still active")]
    public static partial void OccurrenceSkippedBusy(ILogger logger, Guid jobId, DateTimeOffset occurrence, Guid activeRunId);

    [LoggerMessage(EventId = 202, Level = LogLevel.Warning, Message = "Job {JobId}: the occurrence at {Occurrence:O} was missed by {Late} (no hub was running), more than the misfire threshold; skipped")]
    public static partial void OccurrenceMissed(ILogger logger, Guid jobId, DateTimeOffset occurrence, TimeSpan late);

    [LoggerMessage(EventId = 203, Level = LogLevel.Debug, Message = "Job {JobId}: a trigger for {Occurrence:O} fired, but the job's next occurrence is {NextRunAt:O}; nothing to do")]
    public static partial void OccurrenceNotCurrent(ILogger logger, Guid jobId, DateTimeOffset occurrence, DateTimeOffset? nextRunAt);

    [LoggerMessage(EventId = 204, Level = LogLevel.Warning, Message = "A trigger {TriggerKey} fired that names no hub job; ignored")]
    public static partial void ForeignTrigger(ILogger logger, string triggerKey);

    [LoggerMessage(EventId = 205, Level = LogLevel.Information, Message = "Schedule reconciled: {Scheduled} scheduled jobs, {Changed} triggers set")]
    public static partial void Reconciled(ILogger logger, int scheduled, int changed);

    [LoggerMessage(EventId = 206, Level = LogLevel.Error, Message = "Reconciling the schedule with the jobs table failed; the next pass tries again")]
    public static partial void ReconcileFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 207, Level = LogLevel.Error, Message = "Job {JobId}: saved, but setting its trigger failed; the reconciler repairs it within Hub:Scheduling:ReconcileInterval")]
    public static partial void TriggerUpdateFailed(ILogger logger, Guid jobId, Exception exception);

    [LoggerMessage(EventId = 208, Level = LogLevel.Warning, Message = "Job {JobId} paused after {Failures} consecutive failures (last run {RunId})")]
    public static partial void JobAutoPaused(ILogger logger, Guid jobId, int failures, Guid runId);

    [LoggerMessage(EventId = 209, Level = LogLevel.Information, Message = "Job {JobId}: another request queued a run at the same moment; looking again")]
    public static partial void ActiveRunRace(ILogger logger, Guid jobId);

    [LoggerMessage(EventId = 210, Level = LogLevel.Information, Message = "Scheduler: {Store}, instance {InstanceId}; missed occurrences run when at most {MisfireThreshold} late; jobs pause after {MaxFailures} failures in a row")]
    public static partial void SchedulerMode(ILogger logger, string store, string instanceId, TimeSpan misfireThreshold, int maxFailures);

    // Agents, dispatch, runs, logs and plugins: 600–699.
    [LoggerMessage(EventId = 600, Level = LogLevel.Information, Message = "Agent {AgentId} of retailer {RetailerId} enrolled with key prefix {KeyPrefix} from host {HostName}")]
    public static partial void AgentEnrolled(ILogger logger, Guid agentId, Guid retailerId, string keyPrefix, string? hostName);

    [LoggerMessage(EventId = 601, Level = LogLevel.Information, Message = "Agent {AgentId} went offline: last heartbeat {LastHeartbeatAt}, offline since {OfflineSince}")]
    public static partial void AgentWentOffline(ILogger logger, Guid agentId, DateTimeOffset lastHeartbeatAt, DateTimeOffset offlineSince);

    [LoggerMessage(EventId = 602, Level = LogLevel.Warning, Message = "Writing a batch of heartbeats failed; the agents' next heartbeats will bring them up to date")]
    public static partial void HeartbeatWriteFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 603, Level = LogLevel.Warning, Message = "Background pass of {Service} failed; retrying at the next interval")]
    public static partial void BackgroundPassFailed(ILogger logger, string service, Exception exception);

    [LoggerMessage(EventId = 604, Level = LogLevel.Debug, Message = "Run {RunId} dispatched to agent {AgentId}")]
    public static partial void RunDispatched(ILogger logger, Guid runId, Guid agentId);

    [LoggerMessage(EventId = 605, Level = LogLevel.Warning, Message = "Run {RunId} for agent {AgentId} cannot be dispatched and failed: {Reason}")]
    public static partial void RunNotDispatchable(ILogger logger, Guid runId, Guid agentId, string reason);

    [LoggerMessage(EventId = 606, Level = LogLevel.Warning, Message = "Agent {AgentId}: event {Sequence} ({Kind}) for run {RunId} ignored: {Reason}")]
    public static partial void EventIgnored(ILogger logger, Guid agentId, long sequence, Guid runId, Contracts.Agents.RunEventKind kind, string reason);

    [LoggerMessage(EventId = 607, Level = LogLevel.Information, Message = "Run {RunId} ended as {Status} by the lease sweeper: {Reason}")]
    public static partial void RunEndedBySweeper(ILogger logger, Guid runId, Contracts.RunStatus status, string reason);

    [LoggerMessage(EventId = 608, Level = LogLevel.Information, Message = "Retention for retailer {RetailerId}: deleted {ByAge} log lines by age, {ByCount} by count and {Runs} finished runs")]
    public static partial void RetentionDeleted(ILogger logger, Guid retailerId, long byAge, long byCount, long runs);

    [LoggerMessage(EventId = 609, Level = LogLevel.Warning, Message = "Plugin packages folder {Folder} does not exist; no built-in plugins are published")]
    public static partial void PluginFolderMissing(ILogger logger, string folder);

    [LoggerMessage(EventId = 610, Level = LogLevel.Warning, Message = "Plugin package {PluginId} {Version} not published: {Reason}")]
    public static partial void PluginPackageRefused(ILogger logger, string pluginId, string version, string reason);

    [LoggerMessage(EventId = 611, Level = LogLevel.Information, Message = "Plugin {PluginId} {Version} published to the catalog, SHA-256 {Sha256}")]
    public static partial void PluginPublished(ILogger logger, string pluginId, string version, string sha256);

    [LoggerMessage(EventId = 612, Level = LogLevel.Warning, Message = "Plugin {PluginId} {Version} republished with different content: SHA-256 {OldSha256} is now {NewSha256}")]
    public static partial void PluginRepublished(ILogger logger, string pluginId, string version, string oldSha256, string newSha256);

    [LoggerMessage(EventId = 613, Level = LogLevel.Information, Message = "Connection test {TestId} of destination {DestinationId} requested for agent {AgentId}")]
    public static partial void ConnectionTestRequested(ILogger logger, Guid testId, Guid destinationId, Guid agentId);

    [LoggerMessage(EventId = 614, Level = LogLevel.Debug, Message = "Connection test {TestId} handed to agent {AgentId}")]
    public static partial void ConnectionTestDispatched(ILogger logger, Guid testId, Guid agentId);

    [LoggerMessage(EventId = 615, Level = LogLevel.Warning, Message = "Connection test {TestId} for agent {AgentId} cannot be handed out and failed: {Reason}")]
    public static partial void ConnectionTestNotDispatchable(ILogger logger, Guid testId, Guid agentId, string reason);

    [LoggerMessage(EventId = 616, Level = LogLevel.Information, Message = "Connection test {TestId} of destination {DestinationId} answered by agent {AgentId}: {Status}")]
    public static partial void ConnectionTestAnswered(ILogger logger, Guid testId, Guid destinationId, Guid agentId, Data.Entities.ConnectionTestStatus status);

    [LoggerMessage(EventId = 617, Level = LogLevel.Warning, Message = "Agent {AgentId}: the answer to connection test {TestId} was ignored: {Reason}")]
    public static partial void ConnectionTestAnswerIgnored(ILogger logger, Guid agentId, Guid testId, string reason);

    [LoggerMessage(EventId = 618, Level = LogLevel.Information, Message = "{Count} connection tests failed because no agent answered within {TimeoutSeconds} s")]
    public static partial void ConnectionTestsExpired(ILogger logger, int count, double timeoutSeconds);
}
