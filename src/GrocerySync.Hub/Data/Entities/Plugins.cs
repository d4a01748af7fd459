using GrocerySync.Contracts;

namespace GrocerySync.Hub.Data.Entities;

/// <summary>A plugin in the platform-wide catalog; its versions hold the packages.</summary>
internal sealed class PluginPackage
{
    /// <summary>The plugin id, e.g. <c>grocerysync.source.delimited-file</c>.</summary>
    public required string Id { get; set; }

    public PluginKind Kind { get; set; }

    public required string DisplayName { get; set; }

    public string? Description { get; set; }

    public List<PluginVersion> Versions { get; set; } = [];
}

internal sealed class PluginVersion
{
    public Guid Id { get; set; } = Guid.CreateVersion7();

    public required string PluginId { get; set; }

    /// <summary>Semantic version of the plugin.</summary>
    public required string Version { get; set; }

    /// <summary>Lower-case hex SHA-256 of the package; agents refuse a package that does not match.</summary>
    public required string Sha256 { get; set; }

    /// <summary>JSON schema of the plugin's settings, with the secret ones marked.</summary>
    public string SettingsSchema { get; set; } = "{}";

    public required string MinimumAgentVersion { get; set; }

    public DateTimeOffset PublishedAt { get; set; }
}
