using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace GrocerySync.Agent.Hub;

/// <summary>The hub could not be reached, or answered in a way that may be temporary (5xx after retries).</summary>
internal sealed class HubUnavailableException : Exception
{
    public HubUnavailableException()
    {
    }

    public HubUnavailableException(string message)
        : base(message)
    {
    }

    public HubUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public HubUnavailableException(string reason, string message, Exception? innerException)
        : base(message, innerException) => Reason = reason;

    /// <summary><c>dns</c>, <c>tls</c>, <c>refused</c>, <c>unreachable</c>, <c>timeout</c>, <c>circuit-open</c>, <c>server-error</c>, <c>not-grocerysync</c>, <c>network</c>.</summary>
    public string Reason { get; } = "network";
}

/// <summary>The hub answered, and refused the request (4xx) with a reason.</summary>
internal sealed class HubRejectedException : Exception
{
    public HubRejectedException()
    {
    }

    public HubRejectedException(string message)
        : base(message)
    {
    }

    public HubRejectedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public HubRejectedException(HttpStatusCode status, string? detail, string message)
        : base(message)
    {
        Status = status;
        Detail = detail;
    }

    public HttpStatusCode Status { get; }

    /// <summary>The problem details' <c>detail</c>, when the hub sent one.</summary>
    public string? Detail { get; }

    /// <summary>The problem details' <c>code</c> extension (the hub's reason for the refusal), when the hub sent one.</summary>
    public string? Code { get; init; }
}

/// <summary>The hub revoked this agent's key (401 whose problem detail says so).</summary>
internal sealed class AgentRevokedException : Exception
{
    public AgentRevokedException()
    {
    }

    public AgentRevokedException(string message)
        : base(message)
    {
    }

    public AgentRevokedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>Turns transport failures into a <see cref="HubUnavailableException"/> that says which kind it was.</summary>
internal static class HubErrors
{
    public static HubUnavailableException Classify(Exception ex, Uri hub)
    {
        var host = hub.IsDefaultPort ? hub.Host : $"{hub.Host}:{hub.Port}";
        switch (ex)
        {
            case HubUnavailableException unavailable:
                return unavailable;
            case TimeoutRejectedException or TimeoutException:
            case TaskCanceledException { InnerException: TimeoutException }:
                return new("timeout", $"The hub at {hub} did not answer in time (timeout).", ex);
            case BrokenCircuitException:
                return new("circuit-open", $"The hub at {hub} failed repeatedly; calls are paused for a moment (circuit breaker open).", ex);
            case HttpRequestException http:
                var socket = Find<SocketException>(http);
                return http.HttpRequestError switch
                {
                    HttpRequestError.NameResolutionError => new("dns", $"The hub's host name '{hub.Host}' could not be resolved (DNS): {socket?.Message ?? http.Message}", ex),
                    HttpRequestError.SecureConnectionError => new("tls",
                        $"The TLS connection to {host} failed: {Find<AuthenticationException>(http)?.Message ?? http.Message} Check the hub's certificate (trusted by this machine, issued for '{hub.Host}') and that the URL's scheme matches the port.", ex),
                    HttpRequestError.ConnectionError when socket?.SocketErrorCode == SocketError.ConnectionRefused =>
                        new("refused", $"The connection to {host} was refused: nothing listens there. Check the hub URL and port, and that the hub is running.", ex),
                    HttpRequestError.ConnectionError when socket?.SocketErrorCode == SocketError.TimedOut =>
                        new("timeout", $"Connecting to {host} timed out. Check the network and firewall (the agent calls out to the hub).", ex),
                    HttpRequestError.ConnectionError when socket?.SocketErrorCode is SocketError.HostUnreachable or SocketError.NetworkUnreachable =>
                        new("unreachable", $"{host} is unreachable from this machine ({socket.Message}).", ex),
                    HttpRequestError.InvalidResponse or HttpRequestError.ResponseEnded or HttpRequestError.VersionNegotiationError =>
                        new("not-grocerysync", $"{hub} did not answer as a GrocerySync hub ({http.Message}). Check the URL, its scheme (http/https) and port.", ex),
                    _ => new("network", $"The hub at {hub} could not be reached: {http.Message}", ex),
                };
            default:
                return new("network", $"The hub at {hub} could not be reached: {ex.Message}", ex);
        }
    }

    /// <summary>True for the failures <see cref="Classify"/> understands.</summary>
    public static bool IsTransport(Exception ex) =>
        ex is HttpRequestException or TimeoutRejectedException or BrokenCircuitException or TimeoutException or HubUnavailableException
        || ex is TaskCanceledException { InnerException: TimeoutException };

    private static T? Find<T>(Exception ex)
        where T : Exception
    {
        for (Exception? e = ex; e is not null; e = e.InnerException)
        {
            if (e is T t)
            {
                return t;
            }
        }

        return null;
    }
}
