using System.Text.Json;
using System.Text.Json.Serialization;
using GrocerySync.Plugins.Abstractions;

namespace GrocerySync.Plugins.Hosting;

/// <summary>
/// The <c>plugin.json</c> file at the root of a plugin package. The loader reads it before it runs any of the
/// plugin's code, so an incompatible package is refused without being loaded.
/// </summary>
/// <param name="Id">The plugin id; must equal the folder name <c>plugins/&lt;id&gt;/</c> and the factory's manifest id.</param>
/// <param name="Version">The plugin version; must equal the folder name <c>&lt;version&gt;/</c> and the factory's manifest version.</param>
/// <param name="Assembly">File name of the plugin's main assembly in the package, e.g. <c>Acme.Sftp.dll</c>.</param>
/// <param name="MinimumEngineVersion">The lowest SDK version the plugin runs on (same major required).</param>
public sealed record PluginPackageManifest(string Id, SemanticVersion Version, string Assembly, SemanticVersion MinimumEngineVersion)
{
    /// <summary>The file name of the package manifest.</summary>
    public const string FileName = "plugin.json";

    private static readonly JsonSerializerOptions Json = new() { PropertyNameCaseInsensitive = true };

    /// <summary>Reads and checks <c>plugin.json</c> in <paramref name="packageFolder"/>.</summary>
    /// <exception cref="PluginException">The file is missing or invalid.</exception>
    public static async Task<PluginPackageManifest> ReadAsync(string packageFolder, CancellationToken cancellationToken)
    {
        var path = Path.Combine(packageFolder, FileName);
        if (!File.Exists(path))
        {
            throw new PluginException($"The package has no {FileName}.");
        }

        Raw? raw;
        try
        {
            await using var stream = File.OpenRead(path);
            raw = await JsonSerializer.DeserializeAsync<Raw>(stream, Json, cancellationToken);
        }
        catch (JsonException ex)
        {
            throw new PluginException($"{FileName} is not valid JSON: {ex.Message}");
        }

        if (raw is null || string.IsNullOrWhiteSpace(raw.Id) || string.IsNullOrWhiteSpace(raw.Assembly))
        {
            throw new PluginException($"{FileName} must give 'id', 'version', 'assembly' and 'minimumEngineVersion'.");
        }

        if (!SemanticVersion.TryParse(raw.Version, out var version) || !SemanticVersion.TryParse(raw.MinimumEngineVersion, out var minimum))
        {
            throw new PluginException($"{FileName}: 'version' and 'minimumEngineVersion' must be semantic versions such as 1.2.0.");
        }

        if (Path.GetFileName(raw.Assembly) != raw.Assembly || !raw.Assembly.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
        {
            throw new PluginException($"{FileName}: 'assembly' must be a .dll file name at the package root, not '{raw.Assembly}'.");
        }

        return new PluginPackageManifest(raw.Id, version, raw.Assembly, minimum);
    }

    private sealed record Raw(
        [property: JsonPropertyName("id")] string? Id,
        [property: JsonPropertyName("version")] string? Version,
        [property: JsonPropertyName("assembly")] string? Assembly,
        [property: JsonPropertyName("minimumEngineVersion")] string? MinimumEngineVersion);
}
