namespace GrocerySync.Hub.Data.Entities;

/// <summary>
/// The span of a segment from its first to its last line of one run. A run's ranges never overlap each other; other
/// lines of the segment may fall inside one (the agent's lines are stored in the order it logged them).
/// </summary>
internal sealed class LogRunRange : ILogLineRange
{
    public Guid JobRunId { get; set; }

    public long LastLineId { get; set; }

    public long FirstLineId { get; set; }

    public Guid RetailerId { get; set; }

    /// <summary>The segment's <see cref="LogSegment.LastLineId"/>: retention deletes a segment's ranges with it.</summary>
    public long SegmentLastLineId { get; set; }
}
