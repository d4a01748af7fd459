using System.Text.Json.Nodes;
using GrocerySync.Contracts;

namespace GrocerySync.Hub.Features.Plugins;

// Request and response types are public: the validation source generator only sees public types.

/// <summary>A published version of a plugin, as lists show it.</summary>
public sealed record PluginVersionSummaryDto(string Version, string MinimumAgentVersion, DateTimeOffset PublishedAt);

/// <summary>A plugin in the catalog with its versions, newest (by semantic version) first.</summary>
public sealed record PluginSummaryDto(string Id, PluginKind Kind, string DisplayName, string? Description, IReadOnlyList<PluginVersionSummaryDto> Versions)
{
    /// <summary>The newest published version; null when none is published yet.</summary>
    public string? LatestVersion => Versions.Count > 0 ? Versions[0].Version : null;
}

/// <summary>A published version of a plugin with its package checksum and settings schema.</summary>
public sealed record PluginVersionDto(string Version, string Sha256, string MinimumAgentVersion, JsonObject SettingsSchema, DateTimeOffset PublishedAt);

/// <summary>One plugin with every version, newest (by semantic version) first.</summary>
public sealed record PluginDto(string Id, PluginKind Kind, string DisplayName, string? Description, IReadOnlyList<PluginVersionDto> Versions)
{
    public string? LatestVersion => Versions.Count > 0 ? Versions[0].Version : null;
}

public sealed record PluginListQuery
{
    public PluginKind? Kind { get; init; }
}
