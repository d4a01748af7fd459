using System.Globalization;
using System.Text;

namespace GrocerySync.Plugins.Abstractions;

/// <summary>
/// The validated settings of one plugin instance: text values keyed by setting name (case-insensitive), with the
/// manifest's defaults applied. Secret values are included (the plugin needs them) but never printed.
/// </summary>
public sealed class PluginSettings
{
    private readonly Dictionary<string, string> _values;
    private readonly HashSet<string> _secrets;

    private PluginSettings(Dictionary<string, string> values, HashSet<string> secrets)
    {
        _values = values;
        _secrets = secrets;
    }

    /// <summary>An empty settings set.</summary>
    public static PluginSettings Empty { get; } = new(new(StringComparer.OrdinalIgnoreCase), new(StringComparer.OrdinalIgnoreCase));

    /// <summary>
    /// Validates raw settings against a manifest's schema: unknown names, missing required values, wrong types and
    /// values outside a choice list are all reported together in one <see cref="PluginException"/>.
    /// Defaults are applied for settings that are not given.
    /// </summary>
    /// <exception cref="PluginException">One or more settings are invalid.</exception>
    public static PluginSettings Create(PluginManifest manifest, IReadOnlyDictionary<string, string?>? raw)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var secrets = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var errors = new List<string>();

        if (raw is not null)
        {
            foreach (var (name, value) in raw)
            {
                var def = manifest.FindSetting(name);
                if (def is null)
                {
                    var known = string.Join(", ", manifest.Settings.Select(s => s.Name));
                    errors.Add($"'{name}' is not a setting of {manifest.Id} (known: {known})");
                    continue;
                }

                if (value is null)
                {
                    continue;
                }

                if (Check(def, value) is { } problem)
                {
                    errors.Add($"'{def.Name}' {problem}");
                    continue;
                }

                values[def.Name] = value;
            }
        }

        foreach (var def in manifest.Settings)
        {
            if (def.IsSecret)
            {
                secrets.Add(def.Name);
            }

            if (!values.ContainsKey(def.Name))
            {
                if (def.DefaultValue is not null)
                {
                    values[def.Name] = def.DefaultValue;
                }
                else if (def.Required)
                {
                    errors.Add($"'{def.Name}' is required ({def.Description})");
                }
            }
            else if (def.Required && values.TryGetValue(def.Name, out var given) && given.Length == 0)
            {
                errors.Add($"'{def.Name}' is required and must not be empty");
            }
        }

        if (errors.Count > 0)
        {
            throw new PluginException($"Invalid settings for plugin '{manifest.Id}': {string.Join("; ", errors)}.");
        }

        return new PluginSettings(values, secrets);
    }

    private static string? Check(PluginSettingDefinition def, string value)
    {
        if (value.Length == 0)
        {
            return null;
        }

        var shown = def.IsSecret ? "(secret)" : $"'{value}'";
        return def.Type switch
        {
            PluginSettingType.WholeNumber when !long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out _) =>
                $"must be a whole number, not {shown}",
            PluginSettingType.Number when !decimal.TryParse(value, NumberStyles.Number, CultureInfo.InvariantCulture, out _) =>
                $"must be a number, not {shown}",
            PluginSettingType.Boolean when !bool.TryParse(value, out _) => $"must be true or false, not {shown}",
            PluginSettingType.Choice when !def.AllowedValues.Contains(value, StringComparer.OrdinalIgnoreCase) =>
                $"must be one of {string.Join(", ", def.AllowedValues)}, not {shown}",
            PluginSettingType.Uri when !System.Uri.TryCreate(value, UriKind.Absolute, out _) => $"must be an absolute URI, not {shown}",
            _ => null,
        };
    }

    /// <summary>Whether the named setting is secret.</summary>
    public bool IsSecret(string name) => _secrets.Contains(name);

    /// <summary>The value of a setting, or <paramref name="fallback"/> when it is not set or empty.</summary>
    public string GetString(string name, string fallback = "") =>
        _values.TryGetValue(name, out var v) && v.Length > 0 ? v : fallback;

    /// <summary>The value of a setting that must be set.</summary>
    /// <exception cref="PluginException">The setting is missing or empty.</exception>
    public string GetRequiredString(string name) =>
        _values.TryGetValue(name, out var v) && v.Length > 0 ? v : throw new PluginException($"Setting '{name}' is required.");

    /// <summary>A whole-number setting.</summary>
    public long GetInt64(string name, long fallback) =>
        _values.TryGetValue(name, out var v) && v.Length > 0 ? long.Parse(v, NumberStyles.Integer, CultureInfo.InvariantCulture) : fallback;

    /// <summary>A decimal setting.</summary>
    public decimal GetDecimal(string name, decimal fallback) =>
        _values.TryGetValue(name, out var v) && v.Length > 0 ? decimal.Parse(v, NumberStyles.Number, CultureInfo.InvariantCulture) : fallback;

    /// <summary>A boolean setting.</summary>
    public bool GetBoolean(string name, bool fallback) =>
        _values.TryGetValue(name, out var v) && v.Length > 0 ? bool.Parse(v) : fallback;

    /// <summary>The names of the settings that have a value.</summary>
    public IReadOnlyCollection<string> Names => _values.Keys;

    /// <summary>Gets a setting's value.</summary>
    public bool TryGetValue(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? value) => _values.TryGetValue(name, out value);

    /// <summary>The settings as <c>name=value</c> pairs with secret values replaced by <c>***</c>.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder();
        foreach (var (k, v) in _values.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            if (sb.Length > 0)
            {
                sb.Append(", ");
            }

            sb.Append(k).Append('=').Append(_secrets.Contains(k) ? "***" : v);
        }

        return sb.ToString();
    }
}
