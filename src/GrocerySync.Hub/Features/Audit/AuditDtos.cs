using System.Text.Json.Nodes;
using GrocerySync.Hub.Data.Entities;

namespace GrocerySync.Hub.Features.Audit;

// Request and response types are public: the validation source generator only sees public types.

/// <summary>
/// One recorded change. <see cref="Changes"/> maps each changed property to <c>{ "old": …, "new": … }</c>
/// (only <c>new</c> on creation, only <c>old</c> on deletion); secret values read <c>***</c>.
/// </summary>
public sealed record AuditEventDto(
    long Id,
    Guid? RetailerId,
    AuditEventType Type,
    Guid? ActorUserId,
    Guid? ActorAgentId,
    string? ActorName,
    string EntityType,
    Guid? EntityId,
    JsonObject? Changes,
    string? IpAddress,
    string? UserAgent,
    DateTimeOffset At);

public sealed record AuditListQuery
{
    /// <summary>Only this retailer's events (platform admins; retailer admins see their own anyway).</summary>
    public Guid? RetailerId { get; init; }

    public Guid? ActorUserId { get; init; }

    /// <summary>Entity type name, e.g. <c>Job</c>, <c>Destination</c>, <c>User</c>.</summary>
    public string? EntityType { get; init; }

    public Guid? EntityId { get; init; }

    public AuditEventType? Type { get; init; }

    /// <summary>Events at or after this instant.</summary>
    public DateTimeOffset? From { get; init; }

    /// <summary>Events before this instant.</summary>
    public DateTimeOffset? To { get; init; }
}
