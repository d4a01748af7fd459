using Microsoft.Extensions.Options;

namespace GrocerySync.Hub.Security;

/// <summary>The rules of <see cref="HubOptions"/> that span fields or need parsing; every error names its full key and what is allowed.</summary>
internal sealed class HubOptionsValidator : IValidateOptions<HubOptions>
{
    public ValidateOptionsResult Validate(string? name, HubOptions options)
    {
        var errors = new List<string>();
        Key(errors, "Hub:Auth:SigningKey", options.Auth.SigningKey, minimum: 32, exact: null);
        for (var i = 0; i < options.Auth.PreviousSigningKeys.Length; i++)
        {
            Key(errors, $"Hub:Auth:PreviousSigningKeys:{i}", options.Auth.PreviousSigningKeys[i], minimum: 32, exact: null);
        }

        Key(errors, "Hub:Secrets:MasterKey", options.Secrets.MasterKey, minimum: null, exact: 32);
        for (var i = 0; i < options.Secrets.PreviousMasterKeys.Length; i++)
        {
            Key(errors, $"Hub:Secrets:PreviousMasterKeys:{i}", options.Secrets.PreviousMasterKeys[i], minimum: null, exact: 32);
        }

        var smtp = options.Smtp;
        if (smtp.IsConfigured)
        {
            if (string.IsNullOrWhiteSpace(smtp.From) || !System.Net.Mail.MailAddress.TryCreate(smtp.From, out _))
            {
                errors.Add("Hub:Smtp:From must be the sender's email address when Hub:Smtp:Host is set.");
            }

            if (string.IsNullOrEmpty(smtp.UserName) != string.IsNullOrEmpty(smtp.Password))
            {
                errors.Add("Hub:Smtp:UserName and Hub:Smtp:Password go together: set both (SMTP AUTH) or neither.");
            }

            if (!Enum.IsDefined(smtp.Security))
            {
                errors.Add($"Hub:Smtp:Security must be one of {string.Join(", ", Enum.GetNames<Features.Users.SmtpSecurity>())}.");
            }
        }

        if (options.PublicBaseUrl is { } url && (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http") || uri.Query.Length > 0))
        {
            errors.Add("Hub:PublicBaseUrl must be an absolute http(s) address without a query, e.g. https://hub.example.com.");
        }

        foreach (var origin in options.CorsOrigins)
        {
            if (origin == "*" || !Uri.TryCreate(origin, UriKind.Absolute, out var o) || o.AbsolutePath != "/")
            {
                errors.Add($"Hub:CorsOrigins entries are origins such as https://app.example.com (no wildcard, no path); '{origin}' is not.");
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void Key(List<string> errors, string key, string? value, int? minimum, int? exact)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return;
        }

        var bytes = new byte[value.Length];
        if (!Convert.TryFromBase64String(value, bytes, out var length))
        {
            errors.Add($"{key} must be base64.");
        }
        else if ((minimum is { } min && length < min) || (exact is { } size && length != size))
        {
            errors.Add($"{key} must be {(exact is { } e ? $"exactly {e}" : $"at least {minimum}")} bytes (base64), not {length}.");
        }
    }
}
