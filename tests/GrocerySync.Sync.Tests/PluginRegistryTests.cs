using GrocerySync.Plugins.Abstractions;
using GrocerySync.Plugins.Folder;

namespace GrocerySync.Sync.Tests;

public sealed class PluginRegistryTests
{
    private sealed class FutureAdapter : IAdapterFactory
    {
        public PluginManifest Manifest { get; } = new("future", PluginKind.Adapter, SemanticVersion.Parse("1.0.0"), SemanticVersion.Parse("1.9.0"), "Future", "Needs a newer engine.");

        public IAdapter Create(PluginSettings settings) => throw new NotSupportedException();
    }

    [Fact]
    public void A_plugin_that_needs_a_newer_engine_is_refused()
    {
        var ex = Assert.Throws<PluginException>(() => new PluginRegistry().Register(new FutureAdapter(), "plugins/future.dll"));
        Assert.Contains("needs engine 1.9.0", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Ids_are_unique()
    {
        var registry = new PluginRegistry().Register(new FolderDestinationFactory());
        var ex = Assert.Throws<PluginException>(() => registry.Register(new FolderDestinationFactory(), "plugins/other.dll"));
        Assert.Contains("already registered from built-in", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Settings_are_validated_against_the_manifest_and_secrets_are_redacted()
    {
        var registry = new PluginRegistry().Register(new FolderDestinationFactory());
        var ex = Assert.Throws<PluginException>(() => registry.CreateDestination("folder", new Dictionary<string, string?> { ["pth"] = "x", ["fsync"] = "sometimes" }));
        Assert.Contains("'pth' is not a setting of folder", ex.Message, StringComparison.Ordinal);
        Assert.Contains("'fsync' must be true or false", ex.Message, StringComparison.Ordinal);
        Assert.Contains("'path' is required", ex.Message, StringComparison.Ordinal);

        var manifest = new PluginManifest("x", PluginKind.Destination, new(1, 0, 0), new(1, 0, 0), "X", "X")
        {
            Settings = [new("password", PluginSettingType.Text, "pw") { IsSecret = true }],
        };
        var settings = PluginSettings.Create(manifest, new Dictionary<string, string?> { ["password"] = "hunter2" });
        Assert.Equal("password=***", settings.ToString());
        Assert.Equal("hunter2", settings.GetString("password"));
    }

    [Fact]
    public void Unknown_plugin_lists_what_is_available() =>
        Assert.Contains("folder (destination)", Assert.Throws<PluginException>(() => new PluginRegistry().Register(new FolderDestinationFactory()).CreateSource("sql", null)).Message, StringComparison.Ordinal);
}
