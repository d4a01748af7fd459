namespace GrocerySync.Hub.Data.Configurations;

/// <summary>Column lengths, shared by the model and the API's validation attributes.</summary>
public static class Lengths
{
    public const int Name = 200;
    public const int Slug = 64;
    public const int TimeZone = 64;
    public const int PluginId = 128;
    public const int Version = 64;
    public const int Cron = 128;
    public const int Message = 2000;
    public const int Settings = 64 * 1024;
    public const int Target = 500;
    public const int HostName = 255;
}
