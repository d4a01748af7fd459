using System.ComponentModel.DataAnnotations;
using System.Text.RegularExpressions;
using GrocerySync.Hub.Data.Entities;
using GrocerySync.Hub.Security;

namespace GrocerySync.Hub.Features.Connections;

/// <summary>
/// The write-only secrets of sources and destinations: requests send values, responses show only the
/// names with a mask. The values are kept encrypted; their names are kept in clear so reads never decrypt.
/// </summary>
internal static partial class ConnectionSecrets
{
    public const int MaxCount = 20;
    public const int MaxNameLength = 64;
    public const int MaxValueLength = 4096;

    /// <summary>Secret names as responses show them: every value replaced by the mask.</summary>
    public static Dictionary<string, string> Masked(string secretNames) =>
        secretNames.Split(',', StringSplitOptions.RemoveEmptyEntries).ToDictionary(n => n, _ => SecretProtector.Mask, StringComparer.Ordinal);

    /// <summary>
    /// Applies <paramref name="changes"/> to the secrets of <paramref name="current"/> without touching it:
    /// null keeps all, a value sets or replaces one, a null value removes one. Answers an error message or the new state.
    /// </summary>
    public static string? Merge(SecretProtector protector, IHoldsSecrets current, IReadOnlyDictionary<string, string?>? changes, out SecretsState? merged)
    {
        merged = null;
        if (changes is null || changes.Count == 0)
        {
            return null;
        }

        var secrets = protector.Unprotect(current.EncryptedSecrets);
        foreach (var (name, value) in changes)
        {
            if (value is null)
            {
                secrets.Remove(name);
            }
            else
            {
                secrets[name] = value;
            }
        }

        if (secrets.Count > MaxCount)
        {
            return $"At most {MaxCount} secrets per connection.";
        }

        merged = new SecretsState(
            secrets.Count == 0 ? null : protector.Protect(secrets),
            string.Join(',', secrets.Keys.Order(StringComparer.Ordinal)));
        return null;
    }

    public static bool IsValidName(string name) => NamePattern().IsMatch(name);

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9_.-]{0,63}$")]
    private static partial Regex NamePattern();
}

/// <summary>Secrets after a change: the ciphertext (null when none are left) and the names.</summary>
internal sealed record SecretsState(string? EncryptedSecrets, string SecretNames)
{
    public void ApplyTo(IHoldsSecrets target)
    {
        target.EncryptedSecrets = EncryptedSecrets;
        target.SecretNames = SecretNames;
    }
}

/// <summary>
/// A map of secret names to values: names start with a letter and use letters, digits, '_', '.', '-';
/// a value is non-empty text, or null to remove the secret on update. Error messages never repeat a value.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Parameter)]
public sealed class SecretsAttribute : ValidationAttribute
{
    protected override ValidationResult? IsValid(object? value, ValidationContext validationContext)
    {
        if (value is not IReadOnlyDictionary<string, string?> secrets)
        {
            return ValidationResult.Success;
        }

        var member = validationContext.MemberName is { } m ? [m] : Array.Empty<string>();
        if (secrets.Count > ConnectionSecrets.MaxCount)
        {
            return new ValidationResult($"At most {ConnectionSecrets.MaxCount} secrets per connection.", member);
        }

        foreach (var (name, secret) in secrets)
        {
            if (!ConnectionSecrets.IsValidName(name))
            {
                return new ValidationResult(
                    $"Secret names start with a letter and use letters, digits, '_', '.' or '-', at most {ConnectionSecrets.MaxNameLength} characters; '{Shorten(name)}' does not.", member);
            }

            if (secret is { Length: 0 or > ConnectionSecrets.MaxValueLength })
            {
                return new ValidationResult(
                    $"The value of secret '{name}' must be 1 to {ConnectionSecrets.MaxValueLength} characters; send null to remove the secret.", member);
            }
        }

        return ValidationResult.Success;
    }

    private static string Shorten(string name) => name.Length <= ConnectionSecrets.MaxNameLength ? name : name[..ConnectionSecrets.MaxNameLength] + "…";
}
