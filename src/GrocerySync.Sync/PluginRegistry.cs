using GrocerySync.Plugins.Abstractions;

namespace GrocerySync.Sync;

/// <summary>
/// The plugins the engine can use, keyed by manifest id. Built-in plugins and plugins loaded from their own
/// assembly load context are registered the same way; the engine only ever asks the registry.
/// </summary>
public sealed class PluginRegistry
{
    private readonly Dictionary<string, Registration> _plugins = new(StringComparer.OrdinalIgnoreCase);
    private readonly Lock _lock = new();

    /// <summary>A registered plugin and where it came from.</summary>
    /// <param name="Factory">The plugin's factory.</param>
    /// <param name="Origin">Where it came from: <c>built-in</c> or the plugin file's path.</param>
    public sealed record Registration(IPluginFactory Factory, string Origin)
    {
        /// <summary>The plugin's manifest.</summary>
        public PluginManifest Manifest => Factory.Manifest;
    }

    /// <summary>Every registered plugin.</summary>
    public IReadOnlyList<Registration> Plugins
    {
        get
        {
            lock (_lock)
            {
                return [.. _plugins.Values];
            }
        }
    }

    /// <summary>Registers a plugin factory.</summary>
    /// <exception cref="PluginException">The id is taken, the factory does not implement a known kind, or the plugin needs a newer engine.</exception>
    public PluginRegistry Register(IPluginFactory factory, string origin = "built-in")
    {
        ArgumentNullException.ThrowIfNull(factory);
        var m = factory.Manifest ?? throw new PluginException($"Plugin from {origin} has no manifest.");
        if (string.IsNullOrWhiteSpace(m.Id))
        {
            throw new PluginException($"Plugin from {origin} has an empty id.");
        }

        var kindOk = m.Kind switch
        {
            PluginKind.Source => factory is ISourceConnectorFactory,
            PluginKind.Adapter => factory is IAdapterFactory,
            PluginKind.Destination => factory is IDestinationConnectorFactory,
            _ => false,
        };
        if (!kindOk)
        {
            throw new PluginException($"Plugin '{m.Id}' from {origin} declares kind {m.Kind} but its factory does not implement the matching interface.");
        }

        if (!m.IsCompatibleWith(SdkInfo.Version))
        {
            throw new PluginException($"Plugin '{m.Id}' {m.Version} needs engine {m.MinimumEngineVersion}; this engine's SDK is {SdkInfo.Version}.");
        }

        lock (_lock)
        {
            if (_plugins.TryGetValue(m.Id, out var existing))
            {
                throw new PluginException($"Plugin id '{m.Id}' from {origin} is already registered from {existing.Origin}.");
            }

            _plugins[m.Id] = new Registration(factory, origin);
        }

        return this;
    }

    /// <summary>Finds a plugin by id.</summary>
    public bool TryGet(string id, out Registration registration)
    {
        lock (_lock)
        {
            return _plugins.TryGetValue(id, out registration!);
        }
    }

    /// <summary>Creates a source connector with validated settings.</summary>
    public ISourceConnector CreateSource(string id, IReadOnlyDictionary<string, string?>? settings, string? baseDirectory = null) =>
        Get<ISourceConnectorFactory>(id, PluginKind.Source, settings, baseDirectory, out var s).Create(s);

    /// <summary>Creates an adapter with validated settings.</summary>
    public IAdapter CreateAdapter(string id, IReadOnlyDictionary<string, string?>? settings, string? baseDirectory = null) =>
        Get<IAdapterFactory>(id, PluginKind.Adapter, settings, baseDirectory, out var s).Create(s);

    /// <summary>Creates a destination connector with validated settings.</summary>
    public IDestinationConnector CreateDestination(string id, IReadOnlyDictionary<string, string?>? settings, string? baseDirectory = null) =>
        Get<IDestinationConnectorFactory>(id, PluginKind.Destination, settings, baseDirectory, out var s).Create(s);

    /// <summary>Validates settings for a plugin (as the engine would) without creating it; relative paths resolve against <paramref name="baseDirectory"/>.</summary>
    public PluginSettings ValidateSettings(string id, IReadOnlyDictionary<string, string?>? settings, string? baseDirectory = null)
    {
        if (!TryGet(id, out var reg))
        {
            throw UnknownPlugin(id);
        }

        return BuildSettings(reg.Manifest, settings, baseDirectory);
    }

    private T Get<T>(string id, PluginKind kind, IReadOnlyDictionary<string, string?>? settings, string? baseDirectory, out PluginSettings validated)
        where T : class, IPluginFactory
    {
        if (!TryGet(id, out var reg))
        {
            throw UnknownPlugin(id);
        }

        if (reg.Factory is not T factory)
        {
            throw new PluginException($"Plugin '{id}' is a {reg.Manifest.Kind.ToString().ToLowerInvariant()}, not a {kind.ToString().ToLowerInvariant()}.");
        }

        validated = BuildSettings(reg.Manifest, settings, baseDirectory);
        return factory;
    }

    private PluginException UnknownPlugin(string id)
    {
        var known = string.Join(", ", Plugins.Select(p => $"{p.Manifest.Id} ({p.Manifest.Kind.ToString().ToLowerInvariant()})").Order(StringComparer.Ordinal));
        return new PluginException($"No plugin with id '{id}'. Available: {known}.");
    }

    private static PluginSettings BuildSettings(PluginManifest manifest, IReadOnlyDictionary<string, string?>? raw, string? baseDirectory)
    {
        if (raw is not null && baseDirectory is not null)
        {
            var resolved = new Dictionary<string, string?>(raw, StringComparer.OrdinalIgnoreCase);
            foreach (var def in manifest.Settings)
            {
                if (def.Type == PluginSettingType.Path && resolved.TryGetValue(def.Name, out var v) && !string.IsNullOrEmpty(v))
                {
                    resolved[def.Name] = Path.GetFullPath(v, baseDirectory);
                }
            }

            raw = resolved;
        }

        return PluginSettings.Create(manifest, raw);
    }
}
