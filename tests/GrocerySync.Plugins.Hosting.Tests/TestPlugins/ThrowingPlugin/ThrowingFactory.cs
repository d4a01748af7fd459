using GrocerySync.Plugins.Abstractions;

namespace GrocerySync.TestPlugins.Throwing;

/// <summary>A plugin that cannot start: its factory throws on creation, as a plugin with a missing licence file might.</summary>
public sealed class ThrowingFactory : IAdapterFactory
{
    /// <summary>Always throws.</summary>
    public ThrowingFactory() => throw new InvalidOperationException("licence file missing");

    /// <inheritdoc />
    public PluginManifest Manifest => throw new NotSupportedException();

    /// <inheritdoc />
    public IAdapter Create(PluginSettings settings) => throw new NotSupportedException();
}
