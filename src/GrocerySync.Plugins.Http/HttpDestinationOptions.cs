using GrocerySync.Plugins.Abstractions;

namespace GrocerySync.Plugins.Http;

/// <summary>The HTTP destination's settings, checked once per run.</summary>
internal sealed record HttpDestinationOptions(
    Uri BatchUrl,
    Uri? CommitUrl,
    Uri? AbortUrl,
    Uri? HealthUrl,
    bool RawBody,
    string? BearerToken,
    string? ApiKey,
    string ApiKeyHeader,
    TimeSpan RequestTimeout,
    int MaxAttempts,
    TimeSpan RetryBaseDelay,
    TimeSpan MaxRetryDelay)
{
    public static HttpDestinationOptions From(PluginSettings settings)
    {
        var timeout = settings.GetDecimal("requestTimeoutSeconds", 30);
        if (timeout is <= 0 or > 3600)
        {
            throw new PluginException("Setting 'requestTimeoutSeconds' must be above 0 and at most 3600.");
        }

        var attempts = settings.GetInt64("maxAttempts", 6);
        if (attempts is < 1 or > 50)
        {
            throw new PluginException("Setting 'maxAttempts' must be between 1 and 50.");
        }

        var baseDelay = settings.GetInt64("retryBaseDelayMilliseconds", 1000);
        if (baseDelay is < 1 or > 600_000)
        {
            throw new PluginException("Setting 'retryBaseDelayMilliseconds' must be between 1 and 600000.");
        }

        var maxDelay = settings.GetInt64("maxRetryDelaySeconds", 120);
        if (maxDelay is < 1 or > 3600)
        {
            throw new PluginException("Setting 'maxRetryDelaySeconds' must be between 1 and 3600.");
        }

        return new HttpDestinationOptions(
            Url(settings, "batchUrl")!,
            Url(settings, "commitUrl"),
            Url(settings, "abortUrl"),
            Url(settings, "healthUrl"),
            string.Equals(settings.GetString("bodyFormat", "json"), "raw", StringComparison.OrdinalIgnoreCase),
            Optional(settings, "bearerToken"),
            Optional(settings, "apiKey"),
            settings.GetString("apiKeyHeader", "X-Api-Key"),
            TimeSpan.FromSeconds((double)timeout),
            (int)attempts,
            TimeSpan.FromMilliseconds(baseDelay),
            TimeSpan.FromSeconds(maxDelay));
    }

    private static Uri? Url(PluginSettings settings, string name)
    {
        var text = Optional(settings, name);
        if (text is null)
        {
            return null;
        }

        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            throw new PluginException($"Setting '{name}' must be an absolute http or https URL.");
        }

        return uri;
    }

    private static string? Optional(PluginSettings settings, string name)
    {
        var value = settings.GetString(name);
        return value.Length == 0 ? null : value;
    }
}
