using System.ComponentModel.DataAnnotations;

namespace GrocerySync.Hub;

/// <summary>Settings under <c>Hub</c>.</summary>
internal sealed class HubOptions
{
    public const string Section = "Hub";

    /// <summary>Folder for the embedded database and local key files; relative paths are under the content root.</summary>
    [Required]
    public string DataDirectory { get; set; } = "data";

    /// <summary>Seeds a demo retailer, users and data on a first start with an empty database.</summary>
    public bool Demo { get; set; }

    /// <summary>Applies pending migrations at start.</summary>
    public bool ApplyMigrationsOnStart { get; set; } = true;

    [Required]
    public AuthOptions Auth { get; set; } = new();

    [Required]
    public Security.RateLimitOptions RateLimits { get; set; } = new();

    [Required]
    public SecretsOptions Secrets { get; set; } = new();

    /// <summary>Browser origins allowed to call the API from another site (CORS); empty allows none.</summary>
    public string[] CorsOrigins { get; set; } = [];
}

internal sealed class AuthOptions
{
    /// <summary>Base64 HMAC-SHA256 key of at least 32 bytes for signing access tokens. When empty, one is generated in the data folder.</summary>
    public string? SigningKey { get; set; }

    [Required]
    public string Issuer { get; set; } = "grocerysync-hub";

    [Required]
    public string Audience { get; set; } = "grocerysync-api";

    [Range(typeof(TimeSpan), "00:01:00", "01:00:00")]
    public TimeSpan AccessTokenLifetime { get; set; } = TimeSpan.FromMinutes(15);

    [Range(typeof(TimeSpan), "00:10:00", "90.00:00:00")]
    public TimeSpan RefreshTokenLifetime { get; set; } = TimeSpan.FromDays(14);
}

internal sealed class SecretsOptions
{
    /// <summary>Base64 AES-256 key (32 bytes) that encrypts the key ring protecting stored secrets. When empty, one is generated in the data folder.</summary>
    public string? MasterKey { get; set; }
}
