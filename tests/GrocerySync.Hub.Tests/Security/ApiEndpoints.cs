using GrocerySync.Hub.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.DependencyInjection;

namespace GrocerySync.Hub.Tests.Security;

/// <summary>
/// One method + route of the hub's API, read from the app's <see cref="EndpointDataSource"/> so that an
/// endpoint added by any feature is covered by the cross-cutting tests without editing them.
/// </summary>
/// <param name="Method">HTTP method, upper case.</param>
/// <param name="Route">The route below <c>/api/v1</c> with constraints removed, e.g. <c>/jobs/{id}</c>.</param>
/// <param name="Pattern">The route pattern as mapped.</param>
/// <param name="BodyType">The JSON request body type, when the endpoint reads one.</param>
/// <param name="BodyOptional">Whether the body may be left out (a nullable body parameter).</param>
internal sealed record ApiEndpoint(string Method, string Route, RoutePattern Pattern, Type? BodyType, bool BodyOptional = false)
{
    public const string Prefix = "/api/v1";

    /// <summary>The key of the expectation tables: <c>"PUT /jobs/{id}"</c>.</summary>
    public string Key => $"{Method} {Route}";

    public bool HasRouteParameters => Pattern.Parameters.Count > 0;

    public override string ToString() => Key;

    /// <summary>Every endpoint under <c>/api/v1</c>, one per HTTP method, in a stable order.</summary>
    public static IReadOnlyList<ApiEndpoint> All(HubApp app)
    {
        var endpoints = new List<ApiEndpoint>();
        foreach (var endpoint in app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>())
        {
            var route = Normalize(endpoint.RoutePattern);
            if (route != Prefix && !route.StartsWith(Prefix + "/", StringComparison.Ordinal))
            {
                continue;
            }

            var methods = endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods;
            Assert.True(methods is { Count: > 0 }, $"Endpoint '{route}' accepts every HTTP method; map it with MapGet/MapPost/… so the security tests know what to call.");
            var accepts = endpoint.Metadata.GetMetadata<IAcceptsMetadata>();
            endpoints.AddRange(methods!.Select(m => new ApiEndpoint(m.ToUpperInvariant(), route[Prefix.Length..], endpoint.RoutePattern, accepts?.RequestType, accepts?.IsOptional ?? false)));
        }

        return [.. endpoints.DistinctBy(e => e.Key).OrderBy(e => e.Route, StringComparer.Ordinal).ThenBy(e => MethodOrder(e.Method))];
    }

    /// <summary>Reads before writes, deletes last: the order a sequence of calls on one retailer's data takes.</summary>
    public static int MethodOrder(string method) => method switch
    {
        "GET" => 0,
        "HEAD" => 1,
        "POST" => 2,
        "PUT" => 3,
        "PATCH" => 4,
        "DELETE" => 5,
        _ => 6,
    };

    /// <summary>"/api/v1/jobs/{id:guid}/" → "/api/v1/jobs/{id}".</summary>
    private static string Normalize(RoutePattern pattern)
    {
        var segments = pattern.PathSegments.Select(segment => string.Concat(segment.Parts.Select(part => part switch
        {
            RoutePatternLiteralPart literal => literal.Content,
            RoutePatternParameterPart parameter => $"{{{parameter.Name}}}",
            RoutePatternSeparatorPart separator => separator.Content,
            _ => string.Empty,
        })));
        return "/" + string.Join('/', segments);
    }

    /// <summary>The literal segment in front of a route parameter: "jobs" for <c>{id}</c> in <c>/jobs/{id}/runs</c>.</summary>
    public string? SegmentBefore(RoutePatternParameterPart parameter)
    {
        string? previous = null;
        foreach (var segment in Pattern.PathSegments)
        {
            if (segment.Parts.Contains(parameter))
            {
                return previous;
            }

            previous = segment.Parts is [RoutePatternLiteralPart literal] ? literal.Content : previous;
        }

        return previous;
    }
}

/// <summary>Small helpers for the raw HTTP calls of the security tests.</summary>
internal static class ApiCalls
{
    public static async Task<(HttpResponseMessage Response, string Body)> SendAsync(HttpClient client, string method, string url, string? json, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), url);
        if (json is not null)
        {
            request.Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json");
        }

        var response = await client.SendAsync(request, ct);
        return (response, await response.Content.ReadAsStringAsync(ct));
    }

    public static string Describe(string who, string method, string url, HttpResponseMessage response, string body) =>
        $"{who} {method} {url} → {(int)response.StatusCode} {Truncate(body)}";

    public static string Truncate(string text, int max = 400) => text.Length <= max ? text : text[..max] + "…";

    public static bool IsStatus(this HttpResponseMessage response, int status) => (int)response.StatusCode == status;

    public static int Status(this HttpResponseMessage response) => (int)response.StatusCode;

    public const int Unauthorized = StatusCodes.Status401Unauthorized;
    public const int Forbidden = StatusCodes.Status403Forbidden;
    public const int NotFound = StatusCodes.Status404NotFound;
}
