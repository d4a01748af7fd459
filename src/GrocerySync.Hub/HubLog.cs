using GrocerySync.Hub.Data;

namespace GrocerySync.Hub;

/// <summary>The hub's log messages. Event ids live here only and are never reused.</summary>
internal static partial class HubLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Database provider {Provider}; migrations on start: {ApplyMigrations}")]
    public static partial void DatabaseProvider(ILogger logger, DatabaseProvider provider, bool applyMigrations);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "API authentication: JWT bearer, signing key {KeySource}, access tokens valid for {Lifetime}")]
    public static partial void AuthMode(ILogger logger, string keySource, TimeSpan lifetime);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "Hub listening on {Urls}; API reference at /docs")]
    public static partial void Listening(ILogger logger, string urls);

    [LoggerMessage(EventId = 4, Level = LogLevel.Warning, Message = "Demo data seeded. Sign in as {Email} (platform admin), {RetailerAdminEmail} (retailer admin) or {TechnicianEmail} (technician) with the password {Password}. Demo mode is for trying the hub, never for production.")]
    public static partial void DemoSeeded(ILogger logger, string email, string retailerAdminEmail, string technicianEmail, string password);

    [LoggerMessage(EventId = 5, Level = LogLevel.Information, Message = "Demo mode: the database already has data, nothing seeded. Demo users sign in with the password {Password}.")]
    public static partial void DemoAlreadySeeded(ILogger logger, string password);

    [LoggerMessage(EventId = 6, Level = LogLevel.Information, Message = "Stored secrets: Data Protection keys in the database, encrypted with the master key {KeySource}")]
    public static partial void SecretsMode(ILogger logger, string keySource);
}
