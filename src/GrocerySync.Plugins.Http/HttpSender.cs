using System.Net;
using System.Net.Http.Headers;
using GrocerySync.Plugins.Abstractions;
using Microsoft.Extensions.Http.Resilience;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace GrocerySync.Plugins.Http;

/// <summary>
/// Sends one logical request with retries: transient failures (5xx, 408, 429, connection errors, attempt timeouts)
/// are retried with jittered exponential back-off; a <c>Retry-After</c> is waited out (up to the configured maximum).
/// The request is rebuilt for each attempt with the same body and idempotency key.
/// </summary>
internal sealed class HttpSender : IDisposable
{
    private readonly HttpClient _client;
    private readonly HttpDestinationOptions _options;
    private readonly TimeProvider _time;
    private readonly ResiliencePipeline<HttpResponseMessage> _pipeline;
    private readonly ResiliencePipeline<HttpResponseMessage> _singleAttempt;

    public HttpSender(HttpDestinationOptions options, TimeProvider time, HttpMessageHandler? handler = null)
    {
        _options = options;
        _time = time;
        _client = new HttpClient(handler ?? new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5), ConnectTimeout = options.RequestTimeout })
        {
            // Attempt timeouts come from the resilience pipeline, which can tell them apart from the caller's cancellation.
            Timeout = Timeout.InfiniteTimeSpan,
        };

        var retry = new RetryStrategyOptions<HttpResponseMessage>
        {
            MaxRetryAttempts = options.MaxAttempts - 1,
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            Delay = options.RetryBaseDelay,
            MaxDelay = options.MaxRetryDelay,
            ShouldHandle = args => ValueTask.FromResult(ShouldRetry(args.Outcome)),
            DelayGenerator = args => ValueTask.FromResult(RetryAfter(args.Outcome.Result)),
        };
        _pipeline = options.MaxAttempts > 1
            ? new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = time }
                .AddRetry(retry)
                .AddTimeout(new TimeoutStrategyOptions { Timeout = options.RequestTimeout })
                .Build()
            : new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = time }
                .AddTimeout(new TimeoutStrategyOptions { Timeout = options.RequestTimeout })
                .Build();
        _singleAttempt = new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = time }
            .AddTimeout(new TimeoutStrategyOptions { Timeout = options.RequestTimeout })
            .Build();
    }

    /// <summary>POSTs a body (rebuilt per attempt) and returns the successful response, or throws a <see cref="PluginException"/> saying why it gave up.</summary>
    public async Task<HttpResponseMessage> PostAsync(
        Uri url,
        ReadOnlyMemory<byte> body,
        string contentType,
        string idempotencyKey,
        IReadOnlyList<KeyValuePair<string, string>> headers,
        string what,
        CancellationToken cancellationToken)
    {
        var attempts = 0;
        HttpResponseMessage response;
        try
        {
            response = await _pipeline.ExecuteAsync(
                async token =>
                {
                    attempts++;
                    using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ReadOnlyMemoryContent(body) };
                    request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
                    request.Headers.TryAddWithoutValidation("Idempotency-Key", idempotencyKey);
                    foreach (var (name, value) in headers)
                    {
                        request.Headers.TryAddWithoutValidation(name, value);
                    }

                    Authorize(request);
                    return await _client.SendAsync(request, HttpCompletionOption.ResponseContentRead, token);
                },
                cancellationToken);
        }
        catch (TimeoutRejectedException ex)
        {
            throw new PluginException($"{what} to {Show(url)} timed out after {attempts} attempt(s) of {_options.RequestTimeout.TotalSeconds:0.###} s each.", ex);
        }
        catch (HttpRequestException ex)
        {
            throw new PluginException($"{what} to {Show(url)} failed after {attempts} attempt(s): {ex.Message}", ex);
        }

        if (response.IsSuccessStatusCode)
        {
            return response;
        }

        using (response)
        {
            var detail = await Excerpt(response, cancellationToken);
            var retryAfter = RetryAfter(response);
            var why = retryAfter > _options.MaxRetryDelay
                ? $"; the server asked to retry after {retryAfter.Value.TotalSeconds:0} s, more than maxRetryDelaySeconds ({_options.MaxRetryDelay.TotalSeconds:0})"
                : string.Empty;
            throw new PluginException(
                $"{what} to {Show(url)} was refused with {(int)response.StatusCode} {response.ReasonPhrase} after {attempts} attempt(s){why}{detail}");
        }
    }

    /// <summary>GETs or HEADs a URL once (no retries: a connection test should answer quickly).</summary>
    public async Task<HttpResponseMessage> ProbeAsync(HttpMethod method, Uri url, CancellationToken cancellationToken)
    {
        return await _singleAttempt.ExecuteAsync(
            async token =>
            {
                using var request = new HttpRequestMessage(method, url);
                Authorize(request);
                return await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, token);
            },
            cancellationToken);
    }

    public void Dispose() => _client.Dispose();

    /// <summary>A URL for messages: no query string (it may hold a token).</summary>
    internal static string Show(Uri url) => url.GetLeftPart(UriPartial.Path);

    private bool ShouldRetry(Outcome<HttpResponseMessage> outcome)
    {
        if (!HttpClientResiliencePredicates.IsTransient(outcome))
        {
            return false;
        }

        // A server that wants us gone for longer than we may wait gets a clear failure instead of an early retry.
        return outcome.Result is null || !(RetryAfter(outcome.Result) > _options.MaxRetryDelay);
    }

    private TimeSpan? RetryAfter(HttpResponseMessage? response)
    {
        var header = response?.Headers.RetryAfter;
        if (header is null)
        {
            return null;
        }

        if (header.Delta is { } delta)
        {
            return delta < TimeSpan.Zero ? TimeSpan.Zero : delta;
        }

        if (header.Date is { } date)
        {
            var wait = date - _time.GetUtcNow();
            return wait < TimeSpan.Zero ? TimeSpan.Zero : wait;
        }

        return null;
    }

    private void Authorize(HttpRequestMessage request)
    {
        if (_options.BearerToken is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _options.BearerToken);
        }

        if (_options.ApiKey is not null)
        {
            request.Headers.TryAddWithoutValidation(_options.ApiKeyHeader, _options.ApiKey);
        }
    }

    private static async Task<string> Excerpt(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
        {
            return ": check 'bearerToken' or 'apiKey'.";
        }

        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        text = text.ReplaceLineEndings(" ").Trim();
        return text.Length == 0 ? "." : $": {(text.Length > 300 ? text[..300] + "…" : text)}";
    }
}
