using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Identity;

namespace GrocerySync.Hub.Data.Entities;

[JsonConverter(typeof(JsonStringEnumConverter<HubRole>))]
public enum HubRole
{
    PlatformAdmin = 0,
    RetailerAdmin = 1,
    Technician = 2,
}

/// <summary>A person who signs in to the hub. Platform admins have no retailer.</summary>
internal sealed class HubUser : IdentityUser<Guid>
{
    public Guid? RetailerId { get; set; }

    public Retailer? Retailer { get; set; }

    public HubRole Role { get; set; }

    public required string DisplayName { get; set; }

    public bool Disabled { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    public long Version { get; set; }
}
