using GrocerySync.Plugins.Abstractions;

namespace GrocerySync.Samples.UppercaseAdapter;

/// <summary>
/// The plugin's entry point: a public class with a public parameterless constructor implementing a factory
/// interface. The host finds it by reflection, reads <see cref="Manifest"/> and calls <see cref="Create"/> once per run.
/// </summary>
public sealed class UppercaseAdapterFactory : IAdapterFactory
{
    /// <inheritdoc />
    public PluginManifest Manifest { get; } = new(
        Id: "sample-uppercase",
        Kind: PluginKind.Adapter,
        Version: SemanticVersion.Parse("1.0.0"),
        MinimumEngineVersion: SemanticVersion.Parse("1.0.0"),
        DisplayName: "Upper-case TSV (sample)",
        Description: "Sample plugin: writes SKU, name, brand and price as TSV with names and brands in upper case.")
    {
        Settings =
        [
            new("includeBrand", PluginSettingType.Boolean, "Write the brand column.") { DefaultValue = "true" },
            new("currencySuffix", PluginSettingType.Text, "Text written after each price, e.g. ' USD'."),
        ],
    };

    /// <inheritdoc />
    public IAdapter Create(PluginSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return new UppercaseTsvAdapter(settings.GetBoolean("includeBrand", true), settings.GetString("currencySuffix"));
    }
}
