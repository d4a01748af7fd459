using System.Reflection;
using System.Runtime.Loader;

namespace GrocerySync.Plugins.Hosting;

/// <summary>
/// A collectible load context for one plugin package. The plugin's private dependencies (managed and native) resolve
/// from its folder through its <c>.deps.json</c>; the SDK assembly always comes from the host, so an
/// <c>IPluginFactory</c> created in here is the host's <c>IPluginFactory</c>.
/// </summary>
internal sealed class PluginLoadContext(string mainAssemblyPath, IReadOnlySet<string> sharedAssemblies)
    : AssemblyLoadContext($"plugin:{Path.GetFileNameWithoutExtension(mainAssemblyPath)}", isCollectible: true)
{
    private readonly AssemblyDependencyResolver _resolver = new(mainAssemblyPath);

    protected override Assembly? Load(AssemblyName assemblyName)
    {
        // Null defers to the default context: the host's copy of the SDK (and of the framework) wins over any copy
        // a package carries by mistake.
        if (assemblyName.Name is null || sharedAssemblies.Contains(assemblyName.Name))
        {
            return null;
        }

        var path = _resolver.ResolveAssemblyToPath(assemblyName);
        return path is null ? null : LoadFromAssemblyPath(path);
    }

    protected override IntPtr LoadUnmanagedDll(string unmanagedDllName)
    {
        var path = _resolver.ResolveUnmanagedDllToPath(unmanagedDllName);
        return path is null ? IntPtr.Zero : LoadUnmanagedDllFromPath(path);
    }
}
