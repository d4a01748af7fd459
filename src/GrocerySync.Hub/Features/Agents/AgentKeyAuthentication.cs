using System.Globalization;
using System.Security.Claims;
using System.Text.Encodings.Web;
using GrocerySync.Contracts.Agents;
using GrocerySync.Hub.Tenancy;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;

namespace GrocerySync.Hub.Features.Agents;

/// <summary>Claims an agent principal carries; the retailer claim is the users' one, so the tenant filter applies.</summary>
internal static class AgentClaims
{
    public const string AgentId = "agent_id";

    public static Guid? AgentIdOf(ClaimsPrincipal principal) =>
        Guid.TryParse(principal.FindFirstValue(AgentId), out var id) ? id : null;
}

/// <summary>
/// The <c>AgentKey</c> scheme of <c>/agent/v1</c>: <c>Authorization: Bearer gsa_&lt;prefix&gt;_&lt;secret&gt;</c>. It accepts
/// nothing else (no user token), and the user API's JWT scheme accepts no agent key. A refused key answers 401
/// with a problem detail; a revoked agent is told so, because the agent shows that message and stops.
/// </summary>
internal sealed class AgentKeyHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, AgentKeyCache keys, TimeProvider time)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "AgentKey";
    public const string RevokedCode = "agent_revoked";
    public const string InvalidKeyCode = "invalid_agent_key";

    private AgentKeyEntry? _revoked;

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (!header.StartsWith(AgentRoutes.KeyScheme + " ", StringComparison.OrdinalIgnoreCase))
        {
            return AuthenticateResult.NoResult();
        }

        if (!AgentKeys.TryParseKey(header.AsSpan(AgentRoutes.KeyScheme.Length + 1).Trim(), out var prefix, out var secret))
        {
            return AuthenticateResult.Fail("The API key is not an agent key.");
        }

        var entry = await keys.FindAsync(prefix, Context.RequestAborted);
        if (entry is null || !AgentKeys.Matches(secret, entry.Hash))
        {
            return AuthenticateResult.Fail("Unknown API key.");
        }

        if (entry.Revoked)
        {
            _revoked = entry;
            return AuthenticateResult.Fail("The agent was revoked.");
        }

        var identity = new ClaimsIdentity(
            [
                new Claim(AgentClaims.AgentId, entry.AgentId.ToString()),
                new Claim(HubClaims.RetailerId, entry.RetailerId.ToString()),
                new Claim(HubClaims.Name, entry.Name),
            ],
            SchemeName, HubClaims.Name, HubClaims.Role);
        Dispatch.AgentProtocolApi.SetCaller(Context, new Dispatch.AgentCaller(entry.AgentId, entry.RetailerId, entry.Name, entry.HeartbeatIntervalSeconds));
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        await HandleAuthenticateOnceSafeAsync();
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = AgentRoutes.KeyScheme;
        var problem = new Microsoft.AspNetCore.Mvc.ProblemDetails
        {
            Status = StatusCodes.Status401Unauthorized,
            Title = _revoked is null ? "The agent key was refused." : "This agent was revoked.",
            Detail = _revoked is null
                ? "The API key is missing, malformed or unknown. Enroll the agent with a new enrollment token from the hub."
                : $"The agent '{_revoked.Name}' was revoked in the hub{(_revoked.RevokedAt is { } at ? " at " + at.ToString("u", CultureInfo.InvariantCulture) : string.Empty)} and can no longer connect. " +
                  "Create a new agent in the hub and enroll it with a new token if this machine should run jobs again.",
            Type = "https://tools.ietf.org/html/rfc9110#section-15.5.2",
        };
        problem.Extensions["code"] = _revoked is null ? InvalidKeyCode : RevokedCode;
        problem.Extensions["serverTime"] = time.GetUtcNow();
        await Context.RequestServices.GetRequiredService<IProblemDetailsService>()
            .WriteAsync(new ProblemDetailsContext { HttpContext = Context, ProblemDetails = problem });
    }
}

internal static class AgentKeyAuthentication
{
    public const string AgentPath = "/agent/v1";

    /// <summary>
    /// Adds the scheme and makes the hub's default scheme hand <c>/agent/v1</c> requests to it, so the agent is
    /// the request's user (and its retailer the tenant) from the start, and a user token never counts there.
    /// </summary>
    public static IServiceCollection AddAgentKeyAuthentication(this IServiceCollection services)
    {
        services.AddAuthentication().AddScheme<AuthenticationSchemeOptions, AgentKeyHandler>(AgentKeyHandler.SchemeName, null);
        services.PostConfigure<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme, o =>
        {
            var previous = o.ForwardDefaultSelector;
            o.ForwardDefaultSelector = context => IsAgentRequest(context) ? AgentKeyHandler.SchemeName : previous?.Invoke(context);
        });
        return services;
    }

    public static bool IsAgentRequest(HttpContext context) => context.Request.Path.StartsWithSegments(AgentPath, StringComparison.OrdinalIgnoreCase);
}
