namespace GrocerySync.Plugins.Abstractions;

/// <summary>
/// The entry point of a plugin. A plugin assembly exposes one public, non-abstract class with a public
/// parameterless constructor for each plugin it contains, implementing one of
/// <see cref="ISourceConnectorFactory"/>, <see cref="IAdapterFactory"/> or <see cref="IDestinationConnectorFactory"/>.
/// Hosts find factories by reflection (loaded plugins) or register them directly (built-ins); the engine then
/// looks them up by <see cref="PluginManifest.Id"/>.
/// </summary>
public interface IPluginFactory
{
    /// <summary>The plugin's manifest. Must not change during the life of the process.</summary>
    PluginManifest Manifest { get; }
}

/// <summary>Creates source connectors.</summary>
public interface ISourceConnectorFactory : IPluginFactory
{
    /// <summary>Creates a connector for one run, with settings already validated against <see cref="IPluginFactory.Manifest"/>.</summary>
    /// <exception cref="PluginException">The settings are inconsistent in a way the schema cannot express.</exception>
    ISourceConnector Create(PluginSettings settings);
}

/// <summary>Creates adapters.</summary>
public interface IAdapterFactory : IPluginFactory
{
    /// <summary>Creates an adapter for one run, with settings already validated against <see cref="IPluginFactory.Manifest"/>.</summary>
    /// <exception cref="PluginException">The settings are inconsistent in a way the schema cannot express.</exception>
    IAdapter Create(PluginSettings settings);
}

/// <summary>Creates destination connectors.</summary>
public interface IDestinationConnectorFactory : IPluginFactory
{
    /// <summary>Creates a connector for one run, with settings already validated against <see cref="IPluginFactory.Manifest"/>.</summary>
    /// <exception cref="PluginException">The settings are inconsistent in a way the schema cannot express.</exception>
    IDestinationConnector Create(PluginSettings settings);
}
