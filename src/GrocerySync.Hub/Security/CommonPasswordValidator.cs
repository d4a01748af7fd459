using System.Collections.Frozen;
using GrocerySync.Hub.Data.Entities;
using Microsoft.AspNetCore.Identity;

namespace GrocerySync.Hub.Security;

/// <summary>
/// Refuses passwords from a list of the most common ones (Openwall's public-domain list, shipped as
/// <c>common-passwords.txt</c>), also when only digits or symbols were added around a listed word,
/// as in <c>Password2024!</c>.
/// </summary>
internal sealed class CommonPasswordValidator : IPasswordValidator<HubUser>
{
    private static readonly Lazy<FrozenSet<string>> Common = new(Load);

    public Task<IdentityResult> ValidateAsync(UserManager<HubUser> manager, HubUser user, string? password)
    {
        if (password is null || !IsCommon(password))
        {
            return Task.FromResult(IdentityResult.Success);
        }

        return Task.FromResult(IdentityResult.Failed(new IdentityError
        {
            Code = "CommonPassword",
            Description = "This password is one of the most commonly used ones, or one of them with digits or symbols added. Choose a longer passphrase.",
        }));
    }

    public static bool IsCommon(string password)
    {
        var lowered = password.ToLowerInvariant();
        if (Common.Value.Contains(lowered))
        {
            return true;
        }

        var core = lowered.Trim("0123456789!@#$%^&*()-_=+.,?~ ".ToCharArray());
        return core.Length >= 4 && Common.Value.Contains(core);
    }

    private static FrozenSet<string> Load()
    {
        using var stream = typeof(CommonPasswordValidator).Assembly.GetManifestResourceStream("GrocerySync.Hub.Security.common-passwords.txt")
            ?? throw new InvalidOperationException("The common-password list is not embedded in the hub assembly.");
        using var reader = new StreamReader(stream);
        var words = new HashSet<string>(StringComparer.Ordinal);
        while (reader.ReadLine() is { } line)
        {
            if (line.Length > 0)
            {
                words.Add(line.ToLowerInvariant());
            }
        }

        return words.ToFrozenSet(StringComparer.Ordinal);
    }
}
