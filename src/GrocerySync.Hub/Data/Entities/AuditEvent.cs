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

    AgentCreated = 1200,
    AgentUpdated = 1201,
    AgentDeleted = 1202,
    AgentRevoked = 1203,

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

    NotificationRuleCreated = 1600,
    NotificationRuleUpdated = 1601,
    NotificationRuleDeleted = 1602,
}

/// <summary>An append-only record of a change: who, what, when, from where.</summary>
internal sealed class AuditEvent
{
    public long Id { get; set; }

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
