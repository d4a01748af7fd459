using System.ComponentModel.DataAnnotations;

namespace GrocerySync.Hub.Features.Scheduling;

/// <summary>Settings under <c>Hub:Scheduling</c> (README, docs/scheduling.md).</summary>
internal sealed class SchedulingOptions
{
    public const string Section = "Hub:Scheduling";

    /// <summary>
    /// How late a scheduled occurrence may still run: one missed while the hub was down runs once when it is back,
    /// unless it is older than this, in which case it is skipped and recorded as such.
    /// </summary>
    [Range(typeof(TimeSpan), "00:01:00", "7.00:00:00")]
    public TimeSpan MisfireThreshold { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Failed or timed-out runs in a row after which a job is paused.</summary>
    [Range(1, 10_000)]
    public int MaxConsecutiveFailures { get; set; } = 30;

    /// <summary>This replica's id in the scheduler cluster (PostgreSQL); stable across restarts, unique per replica. Default: the host name.</summary>
    [StringLength(200)]
    public string? InstanceId { get; set; }

    /// <summary>How often each replica compares the scheduler's triggers with the jobs table and repairs any difference.</summary>
    [Range(typeof(TimeSpan), "00:00:10", "1.00:00:00")]
    public TimeSpan ReconcileInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How often a replica records in the cluster that it is alive (PostgreSQL).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan ClusterCheckinInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How long past a missed check-in the other replicas wait before they take over a replica's triggers (PostgreSQL).</summary>
    [Range(typeof(TimeSpan), "00:00:05", "1.00:00:00")]
    public TimeSpan ClusterFailoverDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long (real time) the scheduler sleeps before it looks for due triggers again when none was due: the latest a
    /// trigger can fire after the hub's clock jumps past it (tests with a fake clock set one second).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:05:00")]
    public TimeSpan IdleWaitTime { get; set; } = TimeSpan.FromSeconds(30);

    public string ResolvedInstanceId => string.IsNullOrWhiteSpace(InstanceId) ? Environment.MachineName : InstanceId.Trim();
}
