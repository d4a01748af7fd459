using GrocerySync.Plugins.Abstractions;

namespace GrocerySync.Plugins.Http;

/// <summary>
/// The built-in HTTP/REST destination. Each batch of adapter output is POSTed as one JSON request carrying an
/// idempotency key (<c>{runId}:{sequence}</c>, the same on every retry of that batch); transient failures (5xx, 408,
/// 429, timeouts, connection errors) are retried with jittered exponential back-off, honouring <c>Retry-After</c>.
/// With a <c>commitUrl</c> the receiver stages the batches and publishes them when the commit call arrives; see
/// <c>docs/plugins.md</c> for the full contract.
/// </summary>
public sealed class HttpDestinationFactory : IDestinationConnectorFactory
{
    /// <summary>Plugin id used in job specs.</summary>
    public const string Id = "http";

    /// <inheritdoc />
    public PluginManifest Manifest { get; } = new(
        Id,
        PluginKind.Destination,
        SemanticVersion.Parse("1.0.0"),
        SemanticVersion.Parse("1.0.0"),
        "HTTP/REST API",
        "POSTs the feed in JSON batches with idempotency keys and retries, then a commit call that publishes the run.")
    {
        Settings =
        [
            new("batchUrl", PluginSettingType.Uri, "URL each batch is POSTed to.") { Required = true },
            new("commitUrl", PluginSettingType.Uri, "URL POSTed once after the last batch to publish the run. Without it every batch is live as soon as it is accepted (not atomic)."),
            new("abortUrl", PluginSettingType.Uri, "URL POSTed when a run is rolled back, so the receiver can drop the staged batches (optional)."),
            new("healthUrl", PluginSettingType.Uri, "URL the connection test GETs; without it the test sends HEAD to batchUrl."),
            new("bodyFormat", PluginSettingType.Choice, "json: a JSON envelope whose 'records' array holds the adapter's JSON Lines; raw: the adapter's output as it is, run data in headers.")
            {
                AllowedValues = ["json", "raw"],
                DefaultValue = "json",
            },
            new("bearerToken", PluginSettingType.Text, "Sent as 'Authorization: Bearer …'.") { IsSecret = true },
            new("apiKey", PluginSettingType.Text, "Sent in the header named by apiKeyHeader.") { IsSecret = true },
            new("apiKeyHeader", PluginSettingType.Text, "Header that carries apiKey.") { DefaultValue = "X-Api-Key" },
            new("requestTimeoutSeconds", PluginSettingType.Number, "Timeout of one attempt of one request.") { DefaultValue = "30" },
            new("maxAttempts", PluginSettingType.WholeNumber, "Attempts per request, the first included.") { DefaultValue = "6" },
            new("retryBaseDelayMilliseconds", PluginSettingType.WholeNumber, "Median delay before the first retry; later retries back off exponentially with jitter.") { DefaultValue = "1000" },
            new("maxRetryDelaySeconds", PluginSettingType.WholeNumber, "Longest wait between attempts. A Retry-After asking for more fails the request instead of retrying early.") { DefaultValue = "120" },
        ],
    };

    /// <inheritdoc />
    public IDestinationConnector Create(PluginSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return new HttpDestinationConnector(HttpDestinationOptions.From(settings), TimeProvider.System);
    }
}
