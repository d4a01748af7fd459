using System.Text.Json.Nodes;
using GrocerySync.Hub.Data.Entities;

namespace GrocerySync.Hub.Features.Audit;

// Request and response types are public: the validation source generator only sees public types.

/// <summary>
/// One recorded change. <see cref="Changes"/> maps each changed property to <c>{ "old": …, "new": … }</c>
/// (only <c>new</c> on creation, only <c>old</c> on deletion); secret values read <c>***</c>. <see cref="Sequence"/>
/// and <see cref="Hash"/> place it in its retailer's hash chain.
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
    DateTimeOffset At,
    long Sequence,
    string Hash);

/// <summary>
/// The result of walking one audit chain: <see cref="Ok"/>, or the first entry that does not hold
/// (<see cref="FirstBrokenEntryId"/>, null when the missing part is the chain's tail) and why.
/// </summary>
/// <param name="RetailerId">The chain verified: a retailer's, or null for the platform chain.</param>
/// <param name="Ok">Whether every entry from the anchor to the head holds.</param>
/// <param name="EntriesChecked">Entries verified before the first problem (all of them when ok).</param>
/// <param name="FirstBrokenEntryId">The id of the first entry that does not hold.</param>
/// <param name="FirstBrokenSequence">Its place in the chain (or the first missing one).</param>
/// <param name="Problem">What is wrong there.</param>
/// <param name="AnchorSequence">Entries up to this one were removed by retention; the chain starts after it.</param>
/// <param name="HeadSequence">The last entry the chain head names.</param>
/// <param name="CheckedAt">When the verification ran.</param>
public sealed record AuditVerificationDto(
    Guid? RetailerId,
    bool Ok,
    long EntriesChecked,
    long? FirstBrokenEntryId,
    long? FirstBrokenSequence,
    string? Problem,
    long AnchorSequence,
    long HeadSequence,
    DateTimeOffset CheckedAt);

public sealed record AuditVerifyQuery
{
    /// <summary>Platform admins: the retailer whose chain to verify (left out: the platform chain). Retailer admins always verify their own.</summary>
    public Guid? RetailerId { get; init; }
}

public sealed record AuditListQuery
{
    /// <summary>Only this retailer's events (platform admins; retailer admins see their own anyway).</summary>
    public Guid? RetailerId { get; init; }

    public Guid? ActorUserId { get; init; }

    /// <summary>Events an agent caused.</summary>
    public Guid? ActorAgentId { get; init; }

    /// <summary>Entity type name, e.g. <c>Job</c>, <c>Destination</c>, <c>User</c>.</summary>
    public string? EntityType { get; init; }

    public Guid? EntityId { get; init; }

    public AuditEventType? Type { get; init; }

    /// <summary>Events at or after this instant.</summary>
    public DateTimeOffset? From { get; init; }

    /// <summary>Events before this instant.</summary>
    public DateTimeOffset? To { get; init; }
}
