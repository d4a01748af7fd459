using GrocerySync.Contracts;

namespace GrocerySync.Hub.Data.Entities;

internal sealed class Agent : EditableEntity, ITenantOwned
{
    public Guid RetailerId { get; set; }

    public required string Name { get; set; }

    public AgentStatus Status { get; set; }

    public string? AgentVersion { get; set; }

    public string? OperatingSystem { get; set; }

    public string? HostName { get; set; }

    public int HeartbeatIntervalSeconds { get; set; } = 30;

    public DateTimeOffset? LastHeartbeatAt { get; set; }

    /// <summary>Public, non-secret start of the API key, used to find the row before the hash is checked.</summary>
    public string? ApiKeyPrefix { get; set; }

    /// <summary>SHA-256 of the API key secret; the key itself is never stored.</summary>
    public string? ApiKeyHash { get; set; }

    /// <summary>When the agent went offline (its last heartbeat plus the interval plus the grace); null while online.</summary>
    public DateTimeOffset? OfflineSince { get; set; }

    /// <summary>Plugin versions the agent reported in its last heartbeat, as a JSON array of <c>{id, version}</c>.</summary>
    public string? Plugins { get; set; }

    /// <summary>SHA-256 (hex) of the one-time enrollment token; cleared when it is used or replaced by a new one.</summary>
    public string? EnrollmentTokenHash { get; set; }

    public DateTimeOffset? EnrollmentTokenExpiresAt { get; set; }

    /// <summary>When the agent last exchanged an enrollment token for an API key.</summary>
    public DateTimeOffset? EnrolledAt { get; set; }

    public DateTimeOffset? RevokedAt { get; set; }

    public Guid? RevokedBy { get; set; }
}
