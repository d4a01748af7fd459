using System.ComponentModel.DataAnnotations;
using GrocerySync.Contracts;
using GrocerySync.Contracts.Agents;
using GrocerySync.Hub.Data.Configurations;

namespace GrocerySync.Hub.Features.Agents;

// Request and response types are public: the validation source generator only sees public types.

/// <summary>An agent as the API shows it; the API key's hash never leaves the hub, its public prefix may.</summary>
public sealed record AgentDto(
    Guid Id,
    Guid RetailerId,
    string Name,
    AgentStatus Status,
    string? AgentVersion,
    string? OperatingSystem,
    string? HostName,
    int HeartbeatIntervalSeconds,
    DateTimeOffset? LastHeartbeatAt,
    DateTimeOffset? OfflineSince,
    bool UpgradeSuggested,
    IReadOnlyList<AgentPluginInfo> Plugins,
    DateTimeOffset? EnrolledAt,
    DateTimeOffset? EnrollmentTokenExpiresAt,
    string? ApiKeyPrefix,
    DateTimeOffset? RevokedAt,
    Guid? RevokedBy,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    long Version);

/// <summary>The editable fields of an agent, shared by create and update.</summary>
public abstract record AgentFields
{
    [Required, StringLength(Lengths.Name, MinimumLength = 1)]
    public string Name { get; init; } = string.Empty;

    /// <summary>How often the agent reports in; it counts as offline after missing a few heartbeats.</summary>
    [Range(5, 3600)]
    public int HeartbeatIntervalSeconds { get; init; } = 30;
}

public sealed record CreateAgentRequest : AgentFields
{
    /// <summary>The retailer; required for platform admins, implied for everyone else.</summary>
    public Guid? RetailerId { get; init; }
}

public sealed record UpdateAgentRequest : AgentFields
{
    /// <summary>The version last read; a different stored version answers 409.</summary>
    [Required]
    public long? Version { get; init; }
}

public sealed record AgentListQuery
{
    public Guid? RetailerId { get; init; }

    [EnumDataType(typeof(AgentStatus))]
    public AgentStatus? Status { get; init; }
}

/// <summary>A one-time enrollment token, shown once: the hub keeps only its hash. A new token replaces the old one.</summary>
/// <param name="AgentId">The agent the token enrolls.</param>
/// <param name="Token">The token; give it to <c>gsagent enroll</c> before <paramref name="ExpiresAt"/>.</param>
/// <param name="ExpiresAt">When the token stops working.</param>
/// <param name="EnrollCommand">A copyable command that enrolls the agent against this hub.</param>
public sealed record EnrollmentTokenDto(Guid AgentId, string Token, DateTimeOffset ExpiresAt, string EnrollCommand);
