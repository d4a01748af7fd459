namespace GrocerySync.Agent;

/// <summary>
/// A failure the user must fix (unreachable hub, refused token, missing enrollment…): the command prints
/// <see cref="Exception.Message"/> and exits with <see cref="ExitCode"/>, never a stack trace.
/// </summary>
internal sealed class AgentFailure : Exception
{
    public AgentFailure()
    {
    }

    public AgentFailure(string message)
        : this(ExitCodes.InternalError, "error", message)
    {
    }

    public AgentFailure(string message, Exception innerException)
        : base(message, innerException)
    {
        ExitCode = ExitCodes.InternalError;
        Reason = "error";
    }

    public AgentFailure(int exitCode, string reason, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        ExitCode = exitCode;
        Reason = reason;
    }

    /// <summary>The process exit code.</summary>
    public int ExitCode { get; }

    /// <summary>A stable machine-readable reason for <c>--output json</c>, e.g. <c>dns</c>, <c>token-expired</c>.</summary>
    public string Reason { get; } = "error";
}
