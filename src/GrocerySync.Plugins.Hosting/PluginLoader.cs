using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using GrocerySync.Plugins.Abstractions;

namespace GrocerySync.Plugins.Hosting;

/// <summary>
/// Loads plugin packages laid out as <c>&lt;root&gt;/&lt;id&gt;/&lt;version&gt;/</c> (the plugin assembly, its private
/// dependencies, its <c>.deps.json</c> and <c>plugin.json</c>). For each package, in this order: the package must be in
/// the catalog and match its SHA-256; <c>plugin.json</c> must ask for an SDK this host satisfies and the assembly must be
/// built against this SDK major; then the assembly is loaded into its own collectible context, its factories are
/// created eagerly and handed to <c>register</c> (the engine's <c>PluginRegistry.Register</c>). Every failure becomes
/// a <see cref="PluginLoadResult"/> status; nothing a plugin does can crash the host.
/// </summary>
/// <param name="register">Receives each factory and its origin; a <see cref="PluginException"/> from it means the plugin is refused.</param>
public sealed class PluginLoader(Action<IPluginFactory, string> register)
{
    /// <summary>Assemblies that always come from the host: the SDK, for type identity.</summary>
    public static IReadOnlySet<string> SharedAssemblies { get; } =
        new HashSet<string>(StringComparer.OrdinalIgnoreCase) { typeof(IPluginFactory).Assembly.GetName().Name! };

    /// <summary>Loads every package under <paramref name="pluginsRoot"/> that the catalog lists, and reports on the others.</summary>
    public async Task<IReadOnlyList<PluginLoadResult>> LoadAllAsync(string pluginsRoot, IEnumerable<PluginCatalogEntry> catalog, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var entries = catalog.ToList();
        var results = new List<PluginLoadResult>();
        var seen = new HashSet<(string, string)>();
        if (Directory.Exists(pluginsRoot))
        {
            foreach (var idFolder in Directory.EnumerateDirectories(pluginsRoot).Order(StringComparer.Ordinal))
            {
                foreach (var versionFolder in Directory.EnumerateDirectories(idFolder).Order(StringComparer.Ordinal))
                {
                    var id = Path.GetFileName(idFolder);
                    var version = Path.GetFileName(versionFolder);
                    seen.Add((id.ToLowerInvariant(), version));
                    var entry = entries.FirstOrDefault(e => string.Equals(e.Id, id, StringComparison.OrdinalIgnoreCase) && e.Version.ToString() == version);
                    results.Add(entry is null
                        ? new PluginLoadResult(id, version, versionFolder, PluginLoadStatus.NotInCatalog, $"Plugin '{id}' {version} is not in the plugin catalog, so it is not loaded.")
                        : await LoadAsync(versionFolder, entry, cancellationToken));
                }
            }
        }

        foreach (var e in entries.Where(e => !seen.Contains((e.Id.ToLowerInvariant(), e.Version.ToString()))))
        {
            results.Add(new PluginLoadResult(e.Id, e.Version.ToString(), Path.Combine(pluginsRoot, e.Id, e.Version.ToString()), PluginLoadStatus.NotInstalled,
                $"Plugin '{e.Id}' {e.Version} is in the catalog but not installed under {pluginsRoot}."));
        }

        return results;
    }

    /// <summary>Loads one package folder after checking it against its catalog entry.</summary>
    public Task<PluginLoadResult> LoadAsync(string packageFolder, PluginCatalogEntry entry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return LoadAsync(packageFolder, entry.Id, entry.Version, entry.Sha256, cancellationToken);
    }

    /// <summary>
    /// Loads one package folder that no catalog lists, for a host that trusts the folder as it trusts its own
    /// configuration (<c>gsagent sync --plugins</c>): every check but the SHA-256 applies.
    /// </summary>
    public Task<PluginLoadResult> LoadUncataloguedAsync(string packageFolder, string id, SemanticVersion version, CancellationToken cancellationToken) =>
        LoadAsync(packageFolder, id, version, expectedSha256: null, cancellationToken);

    private async Task<PluginLoadResult> LoadAsync(string packageFolder, string id, SemanticVersion semanticVersion, string? expectedSha256, CancellationToken cancellationToken)
    {
        var version = semanticVersion.ToString();
        PluginLoadResult Fail(PluginLoadStatus status, string message) => new(id, version, packageFolder, status, message);

        try
        {
            if (!Directory.Exists(packageFolder))
            {
                return Fail(PluginLoadStatus.NotInstalled, $"Plugin package folder {packageFolder} does not exist.");
            }

            // 1. Integrity before anything is read from the package.
            if (expectedSha256 is not null && await PluginPackageHash.ComputeAsync(packageFolder, cancellationToken) is var actual && !PluginPackageHash.Matches(expectedSha256, actual))
            {
                return Fail(PluginLoadStatus.HashMismatch,
                    $"Plugin '{id}' {version} was refused: its package hash is {actual}, but the catalog expects {expectedSha256.ToLowerInvariant()}. " +
                    "The package was changed or damaged after publication; reinstall it from the catalog.");
            }

            // 2. The package's own description must agree with the catalog and with where it lies.
            PluginPackageManifest package;
            try
            {
                package = await PluginPackageManifest.ReadAsync(packageFolder, cancellationToken);
            }
            catch (PluginException ex)
            {
                return Fail(PluginLoadStatus.InvalidPackage, $"Plugin '{id}' {version}: {ex.Message}");
            }

            if (!string.Equals(package.Id, id, StringComparison.OrdinalIgnoreCase) || package.Version != semanticVersion)
            {
                return Fail(PluginLoadStatus.InvalidPackage,
                    $"Plugin package in {packageFolder} says it is '{package.Id}' {package.Version}, but {(expectedSha256 is null ? "its folder" : "the catalog entry")} is '{id}' {version}.");
            }

            // 3. Compatibility, decided without running plugin code.
            if (Incompatibility(package.MinimumEngineVersion, "needs engine") is { } tooNew)
            {
                return Fail(PluginLoadStatus.Incompatible, $"Plugin '{id}' {version} {tooNew}");
            }

            var assemblyPath = Path.Combine(packageFolder, package.Assembly);
            if (!File.Exists(assemblyPath))
            {
                return Fail(PluginLoadStatus.InvalidPackage, $"Plugin '{id}' {version}: the assembly {package.Assembly} named in plugin.json is not in the package.");
            }

            var builtAgainst = ReferencedSdkVersion(assemblyPath);
            if (builtAgainst is null)
            {
                return Fail(PluginLoadStatus.InvalidPackage, $"Plugin '{id}' {version}: {package.Assembly} is not built against the GrocerySync plugin SDK.");
            }

            if (Incompatibility(builtAgainst.Value, "is built against SDK") is { } wrongSdk)
            {
                return Fail(PluginLoadStatus.Incompatible, $"Plugin '{id}' {version} {wrongSdk}");
            }

            // 4. Load and instantiate, eagerly, in its own collectible context.
            return Instantiate(packageFolder, id, semanticVersion, assemblyPath);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or BadImageFormatException)
        {
            return Fail(PluginLoadStatus.InvalidPackage, $"Plugin '{id}' {version} could not be read: {ex.Message}");
        }
    }

    private PluginLoadResult Instantiate(string packageFolder, string id, SemanticVersion semanticVersion, string assemblyPath)
    {
        var version = semanticVersion.ToString();
        var context = new PluginLoadContext(assemblyPath, SharedAssemblies);
        PluginLoadResult Fail(PluginLoadStatus status, string message)
        {
            context.Unload();
            return new PluginLoadResult(id, version, packageFolder, status, message);
        }

        Type[] types;
        try
        {
            types = context.LoadFromAssemblyPath(assemblyPath).GetTypes();
        }
        catch (ReflectionTypeLoadException ex)
        {
            var first = ex.LoaderExceptions.FirstOrDefault(e => e is not null)?.Message ?? ex.Message;
            return Fail(PluginLoadStatus.Incompatible, $"Plugin '{id}' {version} references a library version this host cannot provide: {first}");
        }
#pragma warning disable CA1031 // A plugin's failure must become a status, whatever it throws.
        catch (Exception ex)
        {
            return Fail(PluginLoadStatus.Malfunctioned, $"Plugin '{id}' {version} failed to load: {ex.GetType().Name}: {ex.Message}");
        }

        var factoryTypes = types
            .Where(t => t is { IsClass: true, IsAbstract: false, IsPublic: true } && typeof(IPluginFactory).IsAssignableFrom(t) && t.GetConstructor(Type.EmptyTypes) is not null)
            .ToList();
        if (factoryTypes.Count == 0)
        {
            return Fail(PluginLoadStatus.InvalidPackage,
                $"Plugin '{id}' {version}: {Path.GetFileName(assemblyPath)} has no public factory class (ISourceConnectorFactory, IAdapterFactory or IDestinationConnectorFactory with a public parameterless constructor).");
        }

        var factories = new List<IPluginFactory>();
        var foreign = new List<string>();
        foreach (var type in factoryTypes)
        {
            IPluginFactory factory;
            PluginManifest manifest;
            try
            {
                factory = (IPluginFactory)Activator.CreateInstance(type)!;
                manifest = factory.Manifest ?? throw new InvalidOperationException("Manifest is null.");
            }
            catch (Exception ex)
            {
                var inner = ex is TargetInvocationException { InnerException: { } i } ? i : ex;
                return Fail(PluginLoadStatus.Malfunctioned, $"Plugin '{id}' {version}: {type.FullName} threw while it was created: {inner.GetType().Name}: {inner.Message}");
            }
#pragma warning restore CA1031

            if (!string.Equals(manifest.Id, id, StringComparison.OrdinalIgnoreCase))
            {
                // A family assembly (the feed adapters) ships in one package per plugin: only the package's own plugin is loaded.
                foreign.Add($"'{manifest.Id}' {manifest.Version}");
                continue;
            }

            if (manifest.Version != semanticVersion)
            {
                return Fail(PluginLoadStatus.InvalidPackage, $"Plugin package '{id}' {version} contains plugin '{manifest.Id}' {manifest.Version}; a package holds exactly its own plugin.");
            }

            if (Incompatibility(manifest.MinimumEngineVersion, "needs engine") is { } tooNew)
            {
                return Fail(PluginLoadStatus.Incompatible, $"Plugin '{id}' {version} {tooNew}");
            }

            factories.Add(factory);
        }

        if (factories.Count == 0)
        {
            return Fail(PluginLoadStatus.InvalidPackage, $"Plugin package '{id}' {version} contains plugin {string.Join(", ", foreign)}; a package holds exactly its own plugin.");
        }

        foreach (var factory in factories)
        {
            try
            {
                register(factory, assemblyPath);
            }
            catch (PluginException ex)
            {
                return Fail(PluginLoadStatus.Rejected, $"Plugin '{id}' {version} was refused by the host: {ex.Message}");
            }
        }

        return new PluginLoadResult(id, version, packageFolder, PluginLoadStatus.Loaded, string.Empty)
        {
            Plugin = new LoadedPlugin(context, factories, assemblyPath),
        };
    }

    /// <summary>Why a plugin that needs <paramref name="required"/> cannot run on this host's SDK, or null when it can.</summary>
    internal static string? Incompatibility(SemanticVersion required, string verb)
    {
        var host = SdkInfo.Version;
        if (required.Major != host.Major)
        {
            return $"{verb} {required}, but this host's plugin SDK is {host}: a different major version is not compatible. Install a build of the plugin for SDK {host.Major}.x.";
        }

        return required > host
            ? $"{verb} {required}, but this host's plugin SDK is only {host}. Update the agent/hub, or install an older version of the plugin."
            : null;
    }

    /// <summary>The SDK version the assembly was compiled against, read from its metadata without loading it.</summary>
    internal static SemanticVersion? ReferencedSdkVersion(string assemblyPath)
    {
        var sdkName = typeof(IPluginFactory).Assembly.GetName().Name;
        using var stream = File.OpenRead(assemblyPath);
        using var pe = new PEReader(stream);
        if (!pe.HasMetadata)
        {
            return null;
        }

        var metadata = pe.GetMetadataReader();
        foreach (var handle in metadata.AssemblyReferences)
        {
            var reference = metadata.GetAssemblyReference(handle);
            if (metadata.StringComparer.Equals(reference.Name, sdkName!))
            {
                var v = reference.Version;
                return new SemanticVersion(v.Major, Math.Max(v.Minor, 0), Math.Max(v.Build, 0));
            }
        }

        return null;
    }
}
