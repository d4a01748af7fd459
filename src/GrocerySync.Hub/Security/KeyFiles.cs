using System.Security.Cryptography;

namespace GrocerySync.Hub.Security;

/// <summary>A key from configuration, or one generated once into the data folder (readable by the hub's user only).</summary>
internal static class KeyFiles
{
    public static byte[] LoadOrCreate(string? configured, HubOptions hub, IHostEnvironment environment, string fileName, int size)
    {
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return Convert.FromBase64String(configured);
        }

        var path = Path.Combine(DataDirectory.Resolve(hub, environment), fileName);
        if (File.Exists(path))
        {
            return Convert.FromBase64String(File.ReadAllText(path).Trim());
        }

        var bytes = RandomNumberGenerator.GetBytes(size);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var writer = new StreamWriter(path, options))
        {
            writer.Write(Convert.ToBase64String(bytes));
        }

        return bytes;
    }
}
