using GrocerySync.Plugins.DelimitedFile;
using GrocerySync.Plugins.Feeds;
using GrocerySync.Plugins.Folder;
using GrocerySync.Sync;

namespace GrocerySync.Agent;

/// <summary>The plugins that ship inside the agent. Loaded plugins join the same registry.</summary>
internal static class BuiltInPlugins
{
    public static PluginRegistry CreateRegistry() =>
        new PluginRegistry()
            .Register(new DelimitedFileSourceFactory())
            .Register(new FolderDestinationFactory())
            .Register(new GoogleMerchantAdapterFactory())
            .Register(new GenericCsvAdapterFactory())
            .Register(new JsonLinesAdapterFactory())
            .Register(new ShopifyProductCsvAdapterFactory());
}
