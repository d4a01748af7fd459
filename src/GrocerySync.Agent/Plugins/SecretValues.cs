using GrocerySync.Contracts.Agents;
using GrocerySync.Sync;

namespace GrocerySync.Agent.Plugins;

/// <summary>
/// The values of plugins' secret settings (as their manifests mark them), and their masking in text the agent reports
/// or logs: a plugin that repeats a password or token in an error message must not carry it to the hub.
/// </summary>
internal static class SecretValues
{
    public const string Masked = "***";

    /// <summary>The non-empty values of the secret settings of <paramref name="plugins"/>, longest first.</summary>
    public static string[] Of(PluginRegistry registry, IEnumerable<RunPlugin> plugins)
    {
        var values = new List<string>();
        foreach (var plugin in plugins)
        {
            if (plugin.Settings is null || !registry.TryGet(plugin.PluginId, out var registration))
            {
                continue;
            }

            foreach (var setting in registration.Manifest.Settings.Where(s => s.IsSecret))
            {
                var value = plugin.Settings.FirstOrDefault(v => string.Equals(v.Key, setting.Name, StringComparison.OrdinalIgnoreCase)).Value;
                if (!string.IsNullOrEmpty(value))
                {
                    values.Add(value);
                }
            }
        }

        // Longest first, so that a secret containing another is masked whole.
        return [.. values.Distinct(StringComparer.Ordinal).OrderByDescending(v => v.Length)];
    }

    /// <summary><paramref name="text"/> with every occurrence of each of <paramref name="secrets"/> replaced by <see cref="Masked"/>.</summary>
    public static string Mask(string text, IReadOnlyList<string> secrets)
    {
        foreach (var secret in secrets)
        {
            text = text.Replace(secret, Masked, StringComparison.Ordinal);
        }

        return text;
    }
}
