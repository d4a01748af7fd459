using System.ComponentModel.DataAnnotations;
using GrocerySync.Hub.Api;
using GrocerySync.Hub.Data.Configurations;
using GrocerySync.Hub.Data.Entities;

namespace GrocerySync.Hub.Features.Retailers;

public sealed record RetailerDto(Guid Id, string Name, string Slug, string TimeZone, RetailerStatus Status, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, long Version);

public sealed record CreateRetailerRequest
{
    [Required, StringLength(Lengths.Name, MinimumLength = 1)]
    public required string Name { get; init; }

    /// <summary>Lower-case letters, digits and dashes; unique across the platform.</summary>
    [Required, StringLength(Lengths.Slug, MinimumLength = 2), RegularExpression("^[a-z0-9]+(-[a-z0-9]+)*$", ErrorMessage = "Use lower-case letters, digits and single dashes, e.g. 'green-grocer'.")]
    public required string Slug { get; init; }

    [Required, StringLength(Lengths.TimeZone), IanaTimeZone]
    public required string TimeZone { get; init; }
}

public sealed record UpdateRetailerRequest
{
    [Required, StringLength(Lengths.Name, MinimumLength = 1)]
    public required string Name { get; init; }

    [Required, StringLength(Lengths.TimeZone), IanaTimeZone]
    public required string TimeZone { get; init; }

    [EnumDataType(typeof(RetailerStatus))]
    public RetailerStatus Status { get; init; }

    /// <summary>The version last read; a different stored version answers 409.</summary>
    [Required]
    public required long Version { get; init; }
}

public sealed record RetailerListQuery
{
    [EnumDataType(typeof(RetailerStatus))]
    public RetailerStatus? Status { get; init; }
}
