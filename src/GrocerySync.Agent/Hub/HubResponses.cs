using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace GrocerySync.Agent.Hub;

/// <summary>RFC 9457 problem details as the hub sends them.</summary>
/// <summary>RFC 9457 problem details; <see cref="Code"/> is the hub's machine-readable reason (the <c>code</c> extension) on refusals the agent acts on.</summary>
internal sealed record HubProblem(string? Type, string? Title, int? Status, string? Detail, string? Code = null);

/// <summary>Reads hub answers: JSON for success, problem details for refusals, anything else is not our protocol.</summary>
internal static class HubResponses
{
    /// <summary>The hub's <c>code</c> for a revoked agent's key.</summary>
    public const string RevokedCode = "agent_revoked";

    public static async Task<T> ReadAsync<T>(HttpResponseMessage response, JsonTypeInfo<T> type, Uri hub, CancellationToken cancellationToken)
    {
        await EnsureSuccessAsync(response, hub, cancellationToken);
        if (!IsJson(response.Content.Headers.ContentType))
        {
            throw NotProtocol(hub, response);
        }

        try
        {
            await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
            return await JsonSerializer.DeserializeAsync(stream, type, cancellationToken) ?? throw new JsonException("null document");
        }
        catch (JsonException)
        {
            throw NotProtocol(hub, response);
        }
    }

    /// <summary>Throws for anything but 2xx: revoked (401 that says so), refused (4xx), unavailable (5xx), not our protocol (others).</summary>
    public static async Task EnsureSuccessAsync(HttpResponseMessage response, Uri hub, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        var status = (int)response.StatusCode;
        var problem = await ReadProblemAsync(response, cancellationToken);
        var detail = problem?.Detail ?? problem?.Title;
        if (response.StatusCode == HttpStatusCode.Unauthorized && detail is not null
            && (problem?.Code == RevokedCode || detail.Contains("revoked", StringComparison.OrdinalIgnoreCase)))
        {
            throw new AgentRevokedException(detail);
        }

        if (status is >= 400 and < 500)
        {
            if (problem is null && response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.MethodNotAllowed)
            {
                // A 404/405 without problem details: a web server, but not a GrocerySync hub (or a wrong base path).
                throw NotProtocol(hub, response);
            }

            throw new HubRejectedException(response.StatusCode, detail, detail is null
                ? $"The hub refused the request (HTTP {status})."
                : $"The hub refused the request (HTTP {status}): {detail}")
            { Code = problem?.Code };
        }

        if (status >= 500)
        {
            throw new HubUnavailableException("server-error", $"The hub at {hub} answered HTTP {status}{(detail is null ? string.Empty : ": " + detail)}.", null);
        }

        throw NotProtocol(hub, response);
    }

    public static HubUnavailableException NotProtocol(Uri hub, HttpResponseMessage response) => new("not-grocerysync",
        $"{hub} answered, but not as a GrocerySync hub (HTTP {(int)response.StatusCode}, {response.Content.Headers.ContentType?.MediaType ?? "no content type"}). Check the hub URL (scheme, host, port and path).",
        null);

    private static async Task<HubProblem?> ReadProblemAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (!IsJson(response.Content.Headers.ContentType))
        {
            return null;
        }

        try
        {
            await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
            return await JsonSerializer.DeserializeAsync(stream, AgentJson.Default.HubProblem, cancellationToken);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static bool IsJson(MediaTypeHeaderValue? type) =>
        type?.MediaType is { } m && (m.Equals("application/json", StringComparison.OrdinalIgnoreCase) || m.EndsWith("+json", StringComparison.OrdinalIgnoreCase));
}
