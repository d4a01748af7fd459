namespace GrocerySync.Hub.Data.Entities;

/// <summary>
/// The lines one write stored for one retailer and agent (or none), as a range of line ids. Segments never overlap, so
/// walking an agent's or a time window's segments in id order and reading each range by the log's primary key returns
/// their lines in id order. With <see cref="LogRunRange"/>, one row per written batch stands in for the run, agent and
/// time indexes that would cost every line a b-tree insert (LogWriter). Line ids are never reused and a segment is
/// never changed: retention deletes lines, then the segments left without any (RetentionSweeper), so a segment's
/// range and times still bound the lines it has left.
/// </summary>
internal sealed class LogSegment : ILogLineRange
{
    public Guid RetailerId { get; set; }

    public long LastLineId { get; set; }

    public long FirstLineId { get; set; }

    public Guid? AgentId { get; set; }

    /// <summary>The oldest line's time.</summary>
    public DateTimeOffset FirstTimestamp { get; set; }

    /// <summary>The newest line's time.</summary>
    public DateTimeOffset LastTimestamp { get; set; }
}
