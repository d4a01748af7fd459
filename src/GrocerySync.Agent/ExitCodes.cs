namespace GrocerySync.Agent;

/// <summary>Process exit codes of gsagent (documented in docs/agent.md and docs/sync-spec.md).</summary>
internal static class ExitCodes
{
    public const int Success = 0;

    /// <summary><c>sync</c>: the run failed.</summary>
    public const int RunFailed = 1;

    /// <summary><c>sync</c>: the spec or a plugin setting is invalid; other commands: invalid arguments or settings.</summary>
    public const int InvalidSpec = 2;

    /// <summary><c>sync</c>: stopped by the guard rail.</summary>
    public const int NeedsApproval = 3;

    /// <summary><c>enroll</c>: the hub refused the enrollment (token expired, already used, unknown) or the new key.</summary>
    public const int EnrollmentRefused = 4;

    /// <summary>The agent folder holds no enrollment: run <c>gsagent enroll</c> first.</summary>
    public const int NotEnrolled = 5;

    /// <summary>The hub could not be reached or did not speak the GrocerySync protocol (DNS, TLS, refused, timeout).</summary>
    public const int HubUnavailable = 69;

    public const int InternalError = 70;

    /// <summary>Reading or writing the agent folder failed (permissions, disk), or installing the service failed.</summary>
    public const int FolderOrSystemError = 74;

    /// <summary>The hub revoked this agent's key: the agent stops and must not be restarted (systemd <c>RestartPreventExitStatus</c>).</summary>
    public const int Revoked = 77;

    /// <summary>The agent folder was written by a newer agent, or its settings are invalid.</summary>
    public const int ConfigurationError = 78;

    public const int Cancelled = 130;
}
