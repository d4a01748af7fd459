namespace GrocerySync.Agent;

/// <summary>Process exit codes of gsagent (documented in docs/sync-spec.md).</summary>
internal static class ExitCodes
{
    public const int Success = 0;
    public const int RunFailed = 1;
    public const int InvalidSpec = 2;
    public const int NeedsApproval = 3;
    public const int Cancelled = 130;
    public const int InternalError = 70;
}
