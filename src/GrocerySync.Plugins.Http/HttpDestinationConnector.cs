using System.Net;
using GrocerySync.Plugins.Abstractions;
using Polly.Timeout;

namespace GrocerySync.Plugins.Http;

/// <summary>Posts a run's batches to an HTTP API and publishes them with a commit call.</summary>
internal sealed class HttpDestinationConnector : IDestinationConnector
{
    private readonly HttpDestinationOptions _options;
    private readonly HttpSender _sender;

    public HttpDestinationConnector(HttpDestinationOptions options, TimeProvider time, HttpMessageHandler? handler = null)
    {
        _options = options;
        _sender = new HttpSender(options, time, handler);
    }

    public async Task<ConnectionTestResult> TestConnectionAsync(CancellationToken cancellationToken)
    {
        var (method, url) = _options.HealthUrl is { } health ? (HttpMethod.Get, health) : (HttpMethod.Head, _options.BatchUrl);
        var shown = $"{method} {HttpSender.Show(url)}";
        try
        {
            using var response = await _sender.ProbeAsync(method, url, cancellationToken);
            var code = (int)response.StatusCode;
            return response.StatusCode switch
            {
                _ when response.IsSuccessStatusCode || code is >= 300 and < 400 => ConnectionTestResult.Ok($"{shown} answered {code} {response.ReasonPhrase}."),
                HttpStatusCode.MethodNotAllowed when method == HttpMethod.Head =>
                    ConnectionTestResult.Ok($"{shown} answered 405: the server is reachable (it does not allow HEAD; set 'healthUrl' for a stronger test)."),
                HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden =>
                    ConnectionTestResult.Failed($"{shown} answered {code} {response.ReasonPhrase}: the credentials ('bearerToken' or 'apiKey') were refused."),
                _ => ConnectionTestResult.Failed($"{shown} answered {code} {response.ReasonPhrase}."),
            };
        }
        catch (TimeoutRejectedException)
        {
            return ConnectionTestResult.Failed($"{shown} did not answer within {_options.RequestTimeout.TotalSeconds:0.###} s.");
        }
        catch (HttpRequestException ex)
        {
            return ConnectionTestResult.Failed($"Cannot reach {shown}: {ex.Message}");
        }
    }

    public Task<IDestinationTransaction> BeginAsync(DestinationContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!_options.RawBody && !LooksLikeJson(context.ContentType))
        {
            throw new PluginException(
                $"The HTTP destination's bodyFormat 'json' needs an adapter that writes JSON Lines, but this job's adapter writes '{context.ContentType}'. " +
                "Use a JSON Lines adapter or set bodyFormat to 'raw'.");
        }

        return Task.FromResult<IDestinationTransaction>(new HttpRunTransaction(_sender, _options, context));
    }

    public ValueTask DisposeAsync()
    {
        _sender.Dispose();
        return ValueTask.CompletedTask;
    }

    private static bool LooksLikeJson(string contentType) => contentType.Contains("json", StringComparison.OrdinalIgnoreCase);
}
