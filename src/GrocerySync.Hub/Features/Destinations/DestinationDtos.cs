using System.ComponentModel.DataAnnotations;
using System.Text.Json.Nodes;
using GrocerySync.Hub.Data.Configurations;
using GrocerySync.Hub.Data.Entities;
using GrocerySync.Hub.Features.Connections;

namespace GrocerySync.Hub.Features.Destinations;

// Request and response types are public: the validation source generator only sees public types.

/// <summary>A destination as the API shows it; <see cref="Secrets"/> names the secrets that are set, each value masked.</summary>
public sealed record DestinationDto(
    Guid Id,
    Guid RetailerId,
    string Name,
    string PluginId,
    string? PluginVersion,
    JsonObject Settings,
    IReadOnlyDictionary<string, string> Secrets,
    ConnectionStatus ConnectionStatus,
    DateTimeOffset? LastTestedAt,
    string? LastTestMessage,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    long Version);

/// <summary>The editable fields of a destination, shared by create and update.</summary>
public abstract record DestinationFields
{
    [Required, StringLength(Lengths.Name, MinimumLength = 1)]
    public string Name { get; init; } = string.Empty;

    /// <summary>The destination plugin, e.g. <c>grocerysync.destination.sftp</c>.</summary>
    [Required, StringLength(Lengths.PluginId, MinimumLength = 1)]
    public string PluginId { get; init; } = string.Empty;

    /// <summary>The exact plugin version (from the catalog) the runs use; empty runs the catalog's newest version of the plugin.</summary>
    [StringLength(Lengths.Version)]
    public string? PluginVersion { get; init; }

    /// <summary>Non-secret plugin settings.</summary>
    public JsonObject? Settings { get; init; }

    /// <summary>
    /// Write-only credentials by name. Left out: the stored secrets stay as they are; a name with a value sets or
    /// replaces that secret; a name with null removes it. Responses show only the names, each value masked.
    /// </summary>
    [Secrets]
    public IReadOnlyDictionary<string, string?>? Secrets { get; init; }
}

public sealed record CreateDestinationRequest : DestinationFields
{
    /// <summary>The retailer; required for platform admins, implied for everyone else.</summary>
    public Guid? RetailerId { get; init; }
}

public sealed record UpdateDestinationRequest : DestinationFields
{
    /// <summary>The version last read; a different stored version answers 409.</summary>
    [Required]
    public long? Version { get; init; }
}

public sealed record DestinationListQuery
{
    public Guid? RetailerId { get; init; }

    [StringLength(Lengths.PluginId)]
    public string? PluginId { get; init; }

    [EnumDataType(typeof(ConnectionStatus))]
    public ConnectionStatus? ConnectionStatus { get; init; }
}

/// <summary>Which agent runs a connection test; without one the hub picks an online agent of the destination's retailer.</summary>
public sealed record TestConnectionRequest
{
    /// <summary>The agent to run the test; it must be online and belong to the destination's retailer.</summary>
    public Guid? AgentId { get; init; }
}

/// <summary>A connection test: requested, handed to its agent, then answered (or failed without an answer at <see cref="ExpiresAt"/>).</summary>
public sealed record ConnectionTestDto(
    Guid Id,
    Guid DestinationId,
    Guid AgentId,
    ConnectionTestStatus Status,
    string? Message,
    DateTimeOffset RequestedAt,
    DateTimeOffset? DispatchedAt,
    DateTimeOffset? FinishedAt,
    DateTimeOffset ExpiresAt);
