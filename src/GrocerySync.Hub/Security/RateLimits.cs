using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Threading.RateLimiting;
using GrocerySync.Hub.Tenancy;

namespace GrocerySync.Hub.Security;

/// <summary>Settings under <c>Hub:RateLimits</c>.</summary>
internal sealed class RateLimitOptions
{
    /// <summary>Sign-in and token requests per client IP per minute.</summary>
    [Range(1, 100_000)]
    public int SignInPerMinute { get; set; } = 10;

    /// <summary>API requests per signed-in user (or agent) per minute.</summary>
    [Range(1, 1_000_000)]
    public int ApiPerMinute { get; set; } = 1200;
}

/// <summary>
/// Sign-in endpoints are limited per client IP (password guessing), the rest of the API per caller.
/// A refused request answers 429 with Retry-After.
/// </summary>
internal static class RateLimits
{
    public const string SignIn = "sign-in";
    public const string Api = "api";

    public static IServiceCollection AddHubRateLimits(this IServiceCollection services, RateLimitOptions limits)
    {
        services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.OnRejected = async (context, ct) =>
            {
                var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromMinutes(1);
                context.HttpContext.Response.Headers.RetryAfter = ((int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
                var problems = context.HttpContext.RequestServices.GetRequiredService<IProblemDetailsService>();
                await problems.WriteAsync(new ProblemDetailsContext
                {
                    HttpContext = context.HttpContext,
                    ProblemDetails = { Status = StatusCodes.Status429TooManyRequests, Title = "Too many requests.", Detail = "Wait for the time in the Retry-After header, then try again." },
                });
            };
            // Showing a sign-in page costs nothing; every attempt (a POST) counts.
            o.AddPolicy(SignIn, http => HttpMethods.IsGet(http.Request.Method) || HttpMethods.IsHead(http.Request.Method)
                ? RateLimitPartition.GetNoLimiter("read")
                : RateLimitPartition.GetFixedWindowLimiter(
                    "ip:" + (http.Connection.RemoteIpAddress?.ToString() ?? "unknown"),
                    _ => new FixedWindowRateLimiterOptions { PermitLimit = limits.SignInPerMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 }));
            o.AddPolicy(Api, http => RateLimitPartition.GetSlidingWindowLimiter(PartitionKey(http), _ => new SlidingWindowRateLimiterOptions
            {
                PermitLimit = limits.ApiPerMinute,
                Window = TimeSpan.FromMinutes(1),
                SegmentsPerWindow = 6,
                QueueLimit = 0,
            }));
        });
        return services;
    }

    /// <summary>Who an API request counts against: the signed-in user, else the agent (its key's <c>agent_id</c> claim), else the client address.</summary>
    public static string PartitionKey(HttpContext http)
    {
        var caller = http.RequestServices.GetRequiredService<CurrentUser>();
        if (caller.UserId is { } userId)
        {
            return "user:" + userId;
        }

        return http.User.FindFirst(Features.Audit.AuditEntries.AgentIdClaim)?.Value is { Length: > 0 } agentId
            ? "agent:" + agentId
            : "ip:" + http.Connection.RemoteIpAddress;
    }
}
