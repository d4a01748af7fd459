using System.Runtime.CompilerServices;
using GrocerySync.Plugins.Abstractions;

namespace GrocerySync.Plugins.Hosting;

/// <summary>What became of a plugin package.</summary>
public enum PluginLoadStatus
{
    /// <summary>Loaded and registered; its factories are in use.</summary>
    Loaded = 0,

    /// <summary>The package is not in the catalog: unknown code is never run.</summary>
    NotInCatalog = 1,

    /// <summary>The package's SHA-256 differs from the catalog's: it was changed or damaged after publication.</summary>
    HashMismatch = 2,

    /// <summary>The plugin needs another engine/SDK version (newer minor, or another major).</summary>
    Incompatible = 3,

    /// <summary>The plugin's code failed while loading (an assembly, a type or its factory threw).</summary>
    Malfunctioned = 4,

    /// <summary>The package is malformed (no or bad <c>plugin.json</c>, missing assembly, no factory, ids that disagree).</summary>
    InvalidPackage = 5,

    /// <summary>The host's registry refused the plugin (for example its id is already taken).</summary>
    Rejected = 6,

    /// <summary>The catalog lists the plugin but no package folder for it exists.</summary>
    NotInstalled = 7,
}

/// <summary>The outcome of loading one plugin package; never an exception.</summary>
/// <param name="Id">Plugin id (from the folder or <c>plugin.json</c>).</param>
/// <param name="Version">Plugin version as text (it may not parse when the package is broken).</param>
/// <param name="Folder">The package folder.</param>
/// <param name="Status">What happened.</param>
/// <param name="Message">Why, for an operator; empty when loaded.</param>
public sealed record PluginLoadResult(string Id, string Version, string Folder, PluginLoadStatus Status, string Message)
{
    /// <summary>The loaded plugin when <see cref="Status"/> is <see cref="PluginLoadStatus.Loaded"/>.</summary>
    public LoadedPlugin? Plugin { get; init; }
}

/// <summary>A plugin living in its own collectible load context.</summary>
public sealed class LoadedPlugin
{
    private PluginLoadContext? _context;
    private List<IPluginFactory> _factories;

    internal LoadedPlugin(PluginLoadContext context, List<IPluginFactory> factories, string origin)
    {
        _context = context;
        _factories = factories;
        Origin = origin;
        Id = factories[0].Manifest.Id;
        Version = factories[0].Manifest.Version;
    }

    /// <summary>The plugin id.</summary>
    /// <remarks>Id and version are copied out of the manifest: the manifest object may hold plugin-owned types that would keep the context alive.</remarks>
    public string Id { get; }

    /// <summary>The plugin version.</summary>
    public SemanticVersion Version { get; }

    /// <summary>The path of the plugin's main assembly, as given to the registry.</summary>
    public string Origin { get; }

    /// <summary>The plugin's factories (empty after <see cref="Unload"/>).</summary>
    public IReadOnlyList<IPluginFactory> Factories => _factories;

    /// <summary>
    /// Starts unloading the plugin's load context. The memory is freed by the garbage collector once nothing refers to
    /// the plugin's objects any more: remove its factories from the registry and dispose its connectors first.
    /// </summary>
    /// <returns>A weak reference to the load context; it dies when the unload completes.</returns>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public WeakReference Unload()
    {
        var context = _context ?? throw new InvalidOperationException($"Plugin '{Id}' is already unloaded.");
        var weak = new WeakReference(context);
        _factories = [];
        _context = null;
        context.Unload();
        return weak;
    }
}
