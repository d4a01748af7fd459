namespace GrocerySync.Agent.Logging;

/// <summary>Every EventId of the agent's log, in one place. Never renumber or reuse a value; add new ones at the end of a block.</summary>
internal enum LoggingEventIds
{
    // Agent lifecycle 1–19
    AgentStarting = 1,
    AgentStopping = 2,
    AgentRevoked = 3,
    UpgradeSuggested = 4,
    ClockSkew = 5,
    UnexpectedError = 6,

    // Hub connectivity 20–39
    HubUnreachable = 20,
    HubReachable = 21,
    HubRejected = 22,
    HeartbeatIntervalChanged = 23,
    OutboxIdRenewed = 24,

    // Runs 40–69
    RunReceived = 40,
    RunStarted = 41,
    RunProgress = 42,
    RunSucceeded = 43,
    RunFailed = 44,
    RunRejectsSummary = 45,
    RunRejectSample = 46,
    RunCancelRequested = 47,
    RunDuplicateIgnored = 48,
    ShutdownWaiting = 49,
    ShutdownCancelling = 50,

    // Plugins 70–89
    PluginDownloading = 70,
    PluginDownloaded = 71,
    PluginCacheHit = 72,
    PluginRefused = 73,
    PluginCacheDiscarded = 74,

    // Connection tests 90–109
    ConnectionTestReceived = 90,
    ConnectionTestSucceeded = 91,
    ConnectionTestFailed = 92,
    ConnectionTestReportDropped = 93,
}
