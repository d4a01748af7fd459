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

    [LoggerMessage(EventId = 6, Level = LogLevel.Information, Message = "Stored secrets: Data Protection keys in the database, encrypted with the master key {KeySource}")]
    public static partial void SecretsMode(ILogger logger, string keySource);

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
}
