using System.ComponentModel.DataAnnotations;

namespace GrocerySync.Hub.Features.Dispatch;

/// <summary>Settings under <c>Hub:Runs</c>: dispatch, leases, cancellation, run retention and connection tests.</summary>
internal sealed class RunOptions
{
    public const string Section = "Hub:Runs";

    /// <summary>Shortest lease of a dispatched or running run; it is at least three of the agent's heartbeat intervals.</summary>
    [Range(10, 86_400)]
    public int LeaseSeconds { get; set; } = 120;

    /// <summary>How often the lease sweeper ends runs whose lease lapsed or that ran past their timeout.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How often a waiting long-poll re-reads the database for runs queued on another replica.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:01:00")]
    public TimeSpan WorkRecheckInterval { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>How often this replica reloads the runs users asked to cancel (on any replica) for heartbeat answers.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")]
    public TimeSpan CancelPollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Most runs one work answer hands out.</summary>
    [Range(1, 100)]
    public int MaxRunsPerPoll { get; set; } = 10;

    /// <summary>
    /// How long a destination connection test waits for its agent to take it and answer; then it fails. Longer than
    /// the agent's own limit on a test (<c>Agent:ConnectionTestTimeout</c>, 30 s) plus a work poll.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:10", "01:00:00")]
    public TimeSpan ConnectionTestTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>The lease of a run of an agent with this heartbeat interval.</summary>
    public TimeSpan LeaseFor(int heartbeatIntervalSeconds) => TimeSpan.FromSeconds(Math.Max(LeaseSeconds, 3 * heartbeatIntervalSeconds));
}
