using GrocerySync.Plugins.Abstractions;

namespace GrocerySync.Plugins.Hosting;

/// <summary>A plugin version the catalog (the hub) trusts, with the SHA-256 of its package (<see cref="PluginPackageHash"/>).</summary>
/// <param name="Id">Plugin id.</param>
/// <param name="Version">Plugin version.</param>
/// <param name="Sha256">Lower- or upper-case hex SHA-256 of the package as computed by <see cref="PluginPackageHash.ComputeAsync"/>.</param>
public sealed record PluginCatalogEntry(string Id, SemanticVersion Version, string Sha256);
