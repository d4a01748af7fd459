using System.ComponentModel.DataAnnotations;
using System.Text.Json.Nodes;
using GrocerySync.Contracts;

namespace GrocerySync.Hub.Features.Logs;

// Request and response types are public: the validation source generator only sees public types.

public sealed record LogEntryDto(
    long Id,
    Guid RetailerId,
    Guid? AgentId,
    Guid? RunId,
    DateTimeOffset Timestamp,
    LogSeverity Level,
    string Category,
    string Message,
    JsonObject? Properties);

/// <summary>
/// One page of log lines. Pass <see cref="NextAfter"/> as <c>after</c> (or <see cref="NextBefore"/> as <c>before</c>)
/// to read the next page; null means there was nothing more when this page was read.
/// </summary>
public sealed record LogPage(IReadOnlyList<LogEntryDto> Items, long? NextAfter, long? NextBefore);

/// <summary>Filters and keyset paging of the log. Lines are never counted: the log grows to millions of lines.</summary>
public sealed record LogQuery
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 1000;

    /// <summary>Only this retailer's lines (platform admins; others see their own anyway).</summary>
    public Guid? RetailerId { get; init; }

    /// <summary>Minimum level: <c>Warning</c> returns warnings, errors and critical lines.</summary>
    public LogSeverity? Level { get; init; }

    public Guid? AgentId { get; init; }

    public Guid? RunId { get; init; }

    /// <summary>Case-insensitive text the message contains.</summary>
    [StringLength(200)]
    public string? Text { get; init; }

    /// <summary>Lines logged at or after this instant.</summary>
    public DateTimeOffset? From { get; init; }

    /// <summary>Lines logged before this instant.</summary>
    public DateTimeOffset? To { get; init; }

    /// <summary>Lines with a larger id, oldest first (the default order).</summary>
    [Range(0, long.MaxValue)]
    public long? After { get; init; }

    /// <summary>Lines with a smaller id, newest first; not together with <see cref="After"/>.</summary>
    [Range(0, long.MaxValue)]
    public long? Before { get; init; }

    /// <summary>Lines per page, 1 to 1000 (default 100).</summary>
    [Range(1, MaxLimit)]
    public int? Limit { get; init; }
}
