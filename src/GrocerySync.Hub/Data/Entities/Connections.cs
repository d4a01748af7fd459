using System.Text.Json.Serialization;
namespace GrocerySync.Hub.Data.Entities;

[JsonConverter(typeof(JsonStringEnumConverter<ConnectionStatus>))]
public enum ConnectionStatus
{
    Untested = 0,
    Ok = 1,
    Failed = 2,
}

/// <summary>A connection whose plugin needs credentials: they are kept encrypted, with their names in clear.</summary>
internal interface IHoldsSecrets
{
    string? EncryptedSecrets { get; set; }

    string SecretNames { get; set; }
}

/// <summary>Where an agent reads a catalog from: a plugin with its settings.</summary>
internal sealed class Source : EditableEntity, ITenantOwned, IHoldsSecrets
{
    public Guid RetailerId { get; set; }

    public required string Name { get; set; }

    public required string PluginId { get; set; }

    /// <summary>The exact plugin version to run; null runs the catalog's newest version.</summary>
    public string? PluginVersion { get; set; }

    /// <summary>Non-secret plugin settings as a JSON object.</summary>
    public string Settings { get; set; } = "{}";

    /// <summary>Secret settings as a JSON object, encrypted with the Data Protection API; never returned.</summary>
    public string? EncryptedSecrets { get; set; }

    /// <summary>Comma-separated names of the secrets that are set (not their values), so reads need no decryption.</summary>
    public string SecretNames { get; set; } = string.Empty;

    public Guid AgentId { get; set; }

    public Agent? Agent { get; set; }
}

/// <summary>Where an agent delivers a channel feed to: a plugin with its settings.</summary>
internal sealed class Destination : EditableEntity, ITenantOwned, IHoldsSecrets
{
    public Guid RetailerId { get; set; }

    public required string Name { get; set; }

    public required string PluginId { get; set; }

    /// <summary>The exact plugin version to run; null runs the catalog's newest version.</summary>
    public string? PluginVersion { get; set; }

    public string Settings { get; set; } = "{}";

    /// <summary>Secret settings as a JSON object, encrypted with the Data Protection API; never returned.</summary>
    public string? EncryptedSecrets { get; set; }

    /// <summary>Comma-separated names of the secrets that are set (not their values), so reads need no decryption.</summary>
    public string SecretNames { get; set; } = string.Empty;

    public ConnectionStatus ConnectionStatus { get; set; }

    public DateTimeOffset? LastTestedAt { get; set; }

    public string? LastTestMessage { get; set; }
}
