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

    [Required]
    public Features.Audit.AuditOptions Audit { get; set; } = new();

    [Required]
    public Features.Users.SmtpOptions Smtp { get; set; } = new();

    [Required]
    public InviteOptions Invites { get; set; } = new();

    /// <summary>The hub's public address (e.g. <c>https://hub.example.com</c>) for links in mail; without it, the request's address is used.</summary>
    [Url]
    public string? PublicBaseUrl { get; set; }

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

    /// <summary>Former signing keys (base64) that still validate access tokens during a rotation; they sign nothing.</summary>
    public string[] PreviousSigningKeys { get; set; } = [];
}

internal sealed class SecretsOptions
{
    /// <summary>Base64 AES-256 key (32 bytes) that encrypts the key ring protecting stored secrets. When empty, one is generated in the data folder.</summary>
    public string? MasterKey { get; set; }

    /// <summary>Former master keys (base64) that still decrypt the key ring during a rotation; <c>rotate-keys</c> re-encrypts with <see cref="MasterKey"/>.</summary>
    public string[] PreviousMasterKeys { get; set; } = [];
}

internal sealed class InviteOptions
{
    /// <summary>How long an invitation link works.</summary>
    [Range(typeof(TimeSpan), "00:10:00", "30.00:00:00")]
    public TimeSpan Lifetime { get; set; } = TimeSpan.FromHours(72);
}
