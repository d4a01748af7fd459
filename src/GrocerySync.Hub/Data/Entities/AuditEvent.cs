using System.Text.Json.Serialization;
namespace GrocerySync.Hub.Data.Entities;

/// <summary>What happened, as one numbered type per entity block. Never renumber: values are stored.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<AuditEventType>))]
public enum AuditEventType
{
    RetailerCreated = 1000,
    RetailerUpdated = 1001,
    RetailerDeleted = 1002,

    UserCreated = 1100,
    UserUpdated = 1101,
    UserDeleted = 1102,
    UserSignedIn = 1110,
    UserSignInFailed = 1111,
    UserLockedOut = 1112,
    UserSignedOut = 1113,
    UserSignedOutEverywhere = 1114,
    UserRefreshTokenReuseDetected = 1115,
    UserTwoFactorEnabled = 1120,
    UserTwoFactorDisabled = 1121,
    UserTwoFactorReset = 1122,
    UserRecoveryCodesRegenerated = 1123,
    UserRecoveryCodeUsed = 1124,
    UserRoleChanged = 1130,
    UserDisabled = 1131,
    UserEnabled = 1132,
    UserInvited = 1140,
    UserInviteAccepted = 1141,
    UserInviteRevoked = 1142,
    PlatformAdminSetUp = 1143,

    AgentCreated = 1200,
    AgentUpdated = 1201,
    AgentDeleted = 1202,
    AgentRevoked = 1203,
    AgentEnrollmentTokenIssued = 1204,
    AgentKeyIssued = 1205,

    SourceCreated = 1300,
    SourceUpdated = 1301,
    SourceDeleted = 1302,
    SourceSecretsReplaced = 1303,

    DestinationCreated = 1400,
    DestinationUpdated = 1401,
    DestinationDeleted = 1402,
    DestinationSecretsReplaced = 1403,
    DestinationConnectionTested = 1404,

    JobCreated = 1500,
    JobUpdated = 1501,
    JobDeleted = 1502,
    JobRunRequested = 1503,
    JobPaused = 1504,
    JobResumed = 1505,
    JobRunCancelRequested = 1506,

    NotificationRuleCreated = 1600,
    NotificationRuleUpdated = 1601,
    NotificationRuleDeleted = 1602,

    // The hub's own security bookkeeping: platform-level, or in the chain of the retailer it concerns.
    SecretKeysRotated = 1900,
    AuditRetentionApplied = 1901,
}

/// <summary>
/// An append-only record of a change: who, what, when, from where. Each entry is a link of its retailer's hash
/// chain (platform-level entries form their own chain): it carries the previous entry's hash and its own, over a
/// canonical form of every field (<see cref="Features.Audit.AuditChains"/>).
/// </summary>
internal sealed class AuditEvent
{
    public long Id { get; set; }

    /// <summary>1, 2, 3… within the entry's chain; assigned when the entry is saved.</summary>
    public long Sequence { get; set; }

    /// <summary>Lower-case hex SHA-256 of the previous entry of the chain (its anchor for the first one).</summary>
    public string PreviousHash { get; set; } = string.Empty;

    /// <summary>Lower-case hex SHA-256 over this entry's canonical form, <see cref="PreviousHash"/> included.</summary>
    public string Hash { get; set; } = string.Empty;

    /// <summary>The retailer the change belongs to; null for platform-level changes.</summary>
    public Guid? RetailerId { get; set; }

    public AuditEventType Type { get; set; }

    public Guid? ActorUserId { get; set; }

    public Guid? ActorAgentId { get; set; }

    public string? ActorName { get; set; }

    public required string EntityType { get; set; }

    public Guid? EntityId { get; set; }

    /// <summary>Changed fields with old and new values as JSON; secrets are redacted before they get here.</summary>
    public string? Changes { get; set; }

    public string? IpAddress { get; set; }

    public string? UserAgent { get; set; }

    public DateTimeOffset At { get; set; }
}
