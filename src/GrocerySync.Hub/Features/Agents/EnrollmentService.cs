using System.Globalization;
using GrocerySync.Contracts;
using GrocerySync.Contracts.Agents;
using GrocerySync.Hub.Data;
using GrocerySync.Hub.Tenancy;
using Microsoft.EntityFrameworkCore;

namespace GrocerySync.Hub.Features.Agents;

/// <summary>Why an enrollment was refused; the agent shows <see cref="Message"/>.</summary>
internal sealed record EnrollmentRefusal(string Code, string Title, string Message);

/// <summary>
/// Exchanges a one-time enrollment token for an API key. The caller is anonymous, so the token itself names the
/// agent (and with it the retailer): it is looked up by its hash as the hub, with no tenant filter. An expired token
/// is told apart from an unknown or used one; neither answer says anything about the agent or its retailer.
/// </summary>
internal sealed class EnrollmentService(IServiceScopeFactory scopes, TimeProvider time, AgentKeyCache keys, ILogger<EnrollmentService> log)
{
    public const string ExpiredCode = "enrollment_token_expired";
    public const string UnknownCode = "enrollment_token_unknown";

    public async Task<(EnrollResponse? Enrolled, EnrollmentRefusal? Refusal)> EnrollAsync(EnrollRequest request, CancellationToken ct)
    {
        var unknown = new EnrollmentRefusal(UnknownCode, "Unknown enrollment token.",
            "This enrollment token is unknown or was already used. Create a new token for the agent in the hub and enroll again.");
        if (!request.Token.StartsWith(AgentKeys.TokenMarker, StringComparison.Ordinal))
        {
            return (null, unknown);
        }

        await using var scope = scopes.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<CurrentUser>().SetSystem();
        var db = scope.ServiceProvider.GetRequiredService<HubDbContext>();
        var hash = AgentKeys.Hash(request.Token);
        var agent = await db.Agents.SingleOrDefaultAsync(a => a.EnrollmentTokenHash == hash, ct);
        if (agent is null || agent.Status == AgentStatus.Revoked)
        {
            return (null, unknown);
        }

        var now = time.GetUtcNow();
        if (agent.EnrollmentTokenExpiresAt is not { } expiresAt || expiresAt <= now)
        {
            var at = agent.EnrollmentTokenExpiresAt?.ToString("u", CultureInfo.InvariantCulture) ?? "an unknown time";
            return (null, new EnrollmentRefusal(ExpiredCode, "The enrollment token expired.",
                $"This enrollment token expired at {at}. Create a new token for the agent in the hub and enroll again."));
        }

        var oldPrefix = agent.ApiKeyPrefix;
        var (key, prefix, keyHash) = AgentKeys.NewKey();
        agent.ApiKeyPrefix = prefix;
        agent.ApiKeyHash = keyHash;
        agent.EnrollmentTokenHash = null;
        agent.EnrollmentTokenExpiresAt = null;
        agent.EnrolledAt = now;
        agent.AgentVersion = Clip(request.Agent.AgentVersion, Data.Configurations.Lengths.Version);
        agent.OperatingSystem = Clip(request.Agent.OperatingSystem, Data.Configurations.Lengths.Name);
        agent.HostName = Clip(request.Agent.HostName, Data.Configurations.Lengths.HostName);
        try
        {
            // The version check makes two enrollments racing with one token end with one key.
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            return (null, unknown);
        }

        keys.Evict(oldPrefix);
        HubLog.AgentEnrolled(log, agent.Id, agent.RetailerId, prefix, agent.HostName);
        return (new EnrollResponse(agent.Id, agent.RetailerId, agent.Name, key, agent.HeartbeatIntervalSeconds), null);
    }

    private static string? Clip(string? value, int max) =>
        string.IsNullOrWhiteSpace(value) ? null : value.Length <= max ? value.Trim() : value.Trim()[..max];
}
