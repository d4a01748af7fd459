namespace GrocerySync.Plugins.Abstractions;

/// <summary>What a plugin is.</summary>
public enum PluginKind
{
    /// <summary>Reads records from a store system (<see cref="ISourceConnector"/>).</summary>
    Source = 1,

    /// <summary>Turns canonical records into a channel's format (<see cref="IAdapter"/>).</summary>
    Adapter = 2,

    /// <summary>Delivers adapter output to a channel (<see cref="IDestinationConnector"/>).</summary>
    Destination = 3,
}

/// <summary>The type of a plugin setting, used to validate values and to render a form field.</summary>
public enum PluginSettingType
{
    /// <summary>Free text.</summary>
    Text = 0,

    /// <summary>A whole number.</summary>
    WholeNumber = 1,

    /// <summary>A decimal number (invariant culture, decimal point).</summary>
    Number = 2,

    /// <summary><c>true</c> or <c>false</c>.</summary>
    Boolean = 3,

    /// <summary>One of <see cref="PluginSettingDefinition.AllowedValues"/>.</summary>
    Choice = 4,

    /// <summary>A file or folder path on the agent's machine.</summary>
    Path = 5,

    /// <summary>An absolute URI.</summary>
    Uri = 6,
}

/// <summary>One setting in a plugin's settings schema.</summary>
/// <param name="Name">Key of the setting in the job spec (camelCase by convention).</param>
/// <param name="Type">Value type.</param>
/// <param name="Description">Help text shown next to the form field.</param>
public sealed record PluginSettingDefinition(string Name, PluginSettingType Type, string Description)
{
    /// <summary>The setting must be given (and not be empty).</summary>
    public bool Required { get; init; }

    /// <summary>
    /// The value is a secret (password, key, token): the hub stores it encrypted, never shows or logs it,
    /// and hands it to the agent only inside a run's spec. <see cref="PluginSettings.ToString"/> redacts it.
    /// </summary>
    public bool IsSecret { get; init; }

    /// <summary>The value used when the setting is not given, or <see langword="null"/>.</summary>
    public string? DefaultValue { get; init; }

    /// <summary>The allowed values of a <see cref="PluginSettingType.Choice"/> setting (compared case-insensitively).</summary>
    public IReadOnlyList<string> AllowedValues { get; init; } = [];
}

/// <summary>
/// Describes a plugin: identity, kind, version, the lowest engine (SDK) version it needs and its settings schema.
/// </summary>
/// <param name="Id">Stable, unique id in kebab-case, e.g. <c>delimited-file</c> or <c>acme-sftp</c>; jobs refer to it.</param>
/// <param name="Kind">What the plugin is.</param>
/// <param name="Version">The plugin's own semantic version.</param>
/// <param name="MinimumEngineVersion">The lowest <see cref="SdkInfo.SdkVersion"/> the plugin runs on.</param>
/// <param name="DisplayName">Name shown in the UI.</param>
/// <param name="Description">One or two sentences for the plugin catalog.</param>
public sealed record PluginManifest(
    string Id,
    PluginKind Kind,
    SemanticVersion Version,
    SemanticVersion MinimumEngineVersion,
    string DisplayName,
    string Description)
{
    /// <summary>The settings the plugin accepts. Settings not listed here are rejected as typos.</summary>
    public IReadOnlyList<PluginSettingDefinition> Settings { get; init; } = [];

    /// <summary>Whether this manifest's plugin can run on an engine with the given SDK version.</summary>
    public bool IsCompatibleWith(SemanticVersion engineVersion) =>
        engineVersion.Major == MinimumEngineVersion.Major && engineVersion >= MinimumEngineVersion;

    /// <summary>Finds a setting definition by name (case-insensitive).</summary>
    public PluginSettingDefinition? FindSetting(string name)
    {
        foreach (var s in Settings)
        {
            if (string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                return s;
            }
        }

        return null;
    }
}
