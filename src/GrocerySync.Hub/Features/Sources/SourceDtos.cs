using System.ComponentModel.DataAnnotations;
using System.Text.Json.Nodes;
using GrocerySync.Hub.Data.Configurations;
using GrocerySync.Hub.Features.Connections;

namespace GrocerySync.Hub.Features.Sources;

// Request and response types are public: the validation source generator only sees public types.

/// <summary>A source as the API shows it; <see cref="Secrets"/> names the secrets that are set, each value masked.</summary>
public sealed record SourceDto(
    Guid Id,
    Guid RetailerId,
    string Name,
    string PluginId,
    string? PluginVersion,
    JsonObject Settings,
    IReadOnlyDictionary<string, string> Secrets,
    Guid AgentId,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    long Version);

/// <summary>The editable fields of a source, shared by create and update.</summary>
public abstract record SourceFields
{
    [Required, StringLength(Lengths.Name, MinimumLength = 1)]
    public string Name { get; init; } = string.Empty;

    /// <summary>The source plugin, e.g. <c>grocerysync.source.delimited-file</c>.</summary>
    [Required, StringLength(Lengths.PluginId, MinimumLength = 1)]
    public string PluginId { get; init; } = string.Empty;

    /// <summary>The exact plugin version (from the catalog) the runs use; empty runs the catalog's newest version of the plugin.</summary>
    [StringLength(Lengths.Version)]
    public string? PluginVersion { get; init; }

    /// <summary>Non-secret plugin settings.</summary>
    public JsonObject? Settings { get; init; }

    /// <summary>The agent that reads the source; an agent of the same retailer.</summary>
    [Required]
    public Guid? AgentId { get; init; }

    /// <summary>
    /// Write-only credentials by name. Left out: the stored secrets stay as they are; a name with a value sets or
    /// replaces that secret; a name with null removes it. Responses show only the names, each value masked.
    /// </summary>
    [Secrets]
    public IReadOnlyDictionary<string, string?>? Secrets { get; init; }
}

public sealed record CreateSourceRequest : SourceFields
{
    /// <summary>The retailer; required for platform admins, implied for everyone else.</summary>
    public Guid? RetailerId { get; init; }
}

public sealed record UpdateSourceRequest : SourceFields
{
    /// <summary>The version last read; a different stored version answers 409.</summary>
    [Required]
    public long? Version { get; init; }
}

public sealed record SourceListQuery
{
    public Guid? RetailerId { get; init; }

    public Guid? AgentId { get; init; }

    [StringLength(Lengths.PluginId)]
    public string? PluginId { get; init; }
}
