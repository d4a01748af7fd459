using System.ComponentModel.DataAnnotations;
using GrocerySync.Hub.Data.Configurations;
using GrocerySync.Hub.Data.Entities;

namespace GrocerySync.Hub.Features.NotificationRules;

// Request and response types are public: the validation source generator only sees public types.

public sealed record NotificationRuleDto(
    Guid Id,
    Guid RetailerId,
    string Name,
    NotificationEvent Event,
    NotificationChannel Channel,
    string Target,
    Guid? JobId,
    bool Enabled,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    long Version);

/// <summary>The editable fields of a notification rule, shared by create and update.</summary>
public abstract record NotificationRuleFields
{
    [Required, StringLength(Lengths.Name, MinimumLength = 1)]
    public string Name { get; init; } = string.Empty;

    [Required, EnumDataType(typeof(NotificationEvent))]
    public NotificationEvent? Event { get; init; }

    [Required, EnumDataType(typeof(NotificationChannel))]
    public NotificationChannel? Channel { get; init; }

    /// <summary>An email address for the Email channel; an absolute http(s) URL for Webhook, Slack and Teams.</summary>
    [Required, StringLength(Lengths.Target, MinimumLength = 1)]
    public string Target { get; init; } = string.Empty;

    /// <summary>When set, the rule fires only for this job of the same retailer.</summary>
    public Guid? JobId { get; init; }

    public bool Enabled { get; init; } = true;
}

public sealed record CreateNotificationRuleRequest : NotificationRuleFields
{
    /// <summary>The retailer; required for platform admins, implied for everyone else.</summary>
    public Guid? RetailerId { get; init; }
}

public sealed record UpdateNotificationRuleRequest : NotificationRuleFields
{
    /// <summary>The version last read; a different stored version answers 409.</summary>
    [Required]
    public long? Version { get; init; }
}

public sealed record NotificationRuleListQuery
{
    public Guid? RetailerId { get; init; }

    [EnumDataType(typeof(NotificationEvent))]
    public NotificationEvent? Event { get; init; }

    [EnumDataType(typeof(NotificationChannel))]
    public NotificationChannel? Channel { get; init; }

    public Guid? JobId { get; init; }

    public bool? Enabled { get; init; }
}
