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
}
