using System.Text.Json.Serialization;
namespace GrocerySync.Hub.Data.Entities;

[JsonConverter(typeof(JsonStringEnumConverter<RetailerStatus>))]
public enum RetailerStatus
{
    Active = 0,
    Suspended = 1,
}

internal sealed class Retailer : EditableEntity
{
    public required string Name { get; set; }

    public required string Slug { get; set; }

    /// <summary>IANA time zone id; job schedules are evaluated in it unless a job names its own.</summary>
    public required string TimeZone { get; set; }

    public RetailerStatus Status { get; set; }

    /// <summary>Log lines older than this many days are deleted by the retention sweep.</summary>
    public int LogRetentionDays { get; set; } = 30;

    /// <summary>Past this many log lines the retention sweep deletes the oldest.</summary>
    public long LogRetentionMaxLines { get; set; } = 1_000_000;

    /// <summary>Finished runs (with their status history) older than this many days are deleted by the retention sweep.</summary>
    public int RunRetentionDays { get; set; } = 180;

    /// <summary>The retailer's users must sign in with a second factor (platform admins always do).</summary>
    public bool RequireTwoFactor { get; set; }
}
