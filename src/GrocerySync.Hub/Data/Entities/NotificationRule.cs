using System.Text.Json.Serialization;
namespace GrocerySync.Hub.Data.Entities;

[JsonConverter(typeof(JsonStringEnumConverter<NotificationEvent>))]
public enum NotificationEvent
{
    RunFailed = 0,
    RunSucceeded = 1,
    AgentOffline = 2,
    GuardRailTripped = 3,
}

[JsonConverter(typeof(JsonStringEnumConverter<NotificationChannel>))]
public enum NotificationChannel
{
    Email = 0,
    Webhook = 1,
    Slack = 2,
    Teams = 3,
}

internal sealed class NotificationRule : EditableEntity, ITenantOwned
{
    public Guid RetailerId { get; set; }

    public required string Name { get; set; }

    public NotificationEvent Event { get; set; }

    public NotificationChannel Channel { get; set; }

    /// <summary>Email address or webhook URL, depending on <see cref="Channel"/>.</summary>
    public required string Target { get; set; }

    /// <summary>When set, the rule only fires for this job.</summary>
    public Guid? JobId { get; set; }

    public bool Enabled { get; set; } = true;
}
