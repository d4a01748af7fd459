namespace GrocerySync.Hub;

internal static class DataDirectory
{
    /// <summary>The absolute data folder, created when missing.</summary>
    public static string Resolve(HubOptions options, IHostEnvironment environment)
    {
        var path = Path.GetFullPath(options.DataDirectory, environment.ContentRootPath);
        Directory.CreateDirectory(path);
        return path;
    }
}
