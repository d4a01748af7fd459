using System.Collections.Frozen;
using System.Security.Claims;
using System.Text.Json.Nodes;
using GrocerySync.Hub.Data;
using GrocerySync.Hub.Data.Entities;
using GrocerySync.Hub.Tenancy;

namespace GrocerySync.Hub.Features.Audit;

/// <summary>Who an entry names as the actor when it is not the caller (a user signing in, an invitee accepting).</summary>
internal sealed record AuditActor(Guid? UserId, string? Name);

/// <summary>
/// Records audit entries for what is not an entity change: sign-ins, sign-outs, two-factor changes, run-now,
/// connection tests, API keys. The entry joins the context's next <c>SaveChanges</c>, so it commits or fails with
/// the change it describes; call <c>SaveChangesAsync</c> yourself when there is nothing else to save.
/// </summary>
internal sealed class AuditLog(HubDbContext db, AuditEntries entries)
{
    /// <summary>Adds an entry to the unit of work.</summary>
    /// <param name="type">What happened.</param>
    /// <param name="entityType">The entity's name in the trail, e.g. <c>User</c>, <c>Job</c>, <c>Agent</c>.</param>
    /// <param name="entityId">The entity, when there is one.</param>
    /// <param name="retailerId">The retailer whose chain (and admins) the entry belongs to; null for platform-level entries.</param>
    /// <param name="details">Facts worth keeping, as <c>{ "Field": { "old": …, "new": … } }</c> or plain values. Never a secret: known secret names are redacted anyway.</param>
    /// <param name="actor">Who did it, when not the caller.</param>
    public AuditEvent Record(AuditEventType type, string entityType, Guid? entityId, Guid? retailerId, JsonObject? details = null, AuditActor? actor = null)
    {
        var entry = entries.New(type, entityType, entityId, retailerId, details is null ? null : Redact(details), actor);
        db.AuditEvents.Add(entry);
        return entry;
    }

    private static JsonObject Redact(JsonObject details)
    {
        foreach (var name in details.Select(p => p.Key).Where(AuditEntries.IsSecretName).ToList())
        {
            details[name] = AuditEntries.Redacted;
        }

        return details;
    }
}

/// <summary>Builds entries with the caller, their address and user agent, and the time: shared by the interceptor and <see cref="AuditLog"/>.</summary>
internal sealed class AuditEntries(CurrentUser caller, TimeProvider time, IHttpContextAccessor http)
{
    /// <summary>What a redacted value reads in an entry.</summary>
    public const string Redacted = "***";

    /// <summary>The claim agents' credentials carry (the AgentKey scheme), so agent actions name the agent.</summary>
    public const string AgentIdClaim = "agent_id";

    /// <summary>Values that are secrets, or keys to them: recorded as changed, never with their value.</summary>
    public static readonly FrozenSet<string> SecretNames = FrozenSet.Create(
        StringComparer.OrdinalIgnoreCase,
        "EncryptedSecrets", "PasswordHash", "SecurityStamp", "ConcurrencyStamp", "ApiKeyHash", "TokenHash", "EnrollmentTokenHash",
        "Password", "Secret", "Secrets", "Token", "RefreshToken", "AccessToken", "ApiKey", "RecoveryCodes", "AuthenticatorKey", "Code");

    public static bool IsSecretName(string name) => SecretNames.Contains(name);

    public AuditEvent New(AuditEventType type, string entityType, Guid? entityId, Guid? retailerId, JsonObject? changes, AuditActor? actor = null)
    {
        var request = http.HttpContext;
        var userAgent = request?.Request.Headers.UserAgent.ToString();
        var agentId = Guid.TryParse(request?.User.FindFirstValue(AgentIdClaim), out var agent) ? agent : (Guid?)null;
        return new AuditEvent
        {
            RetailerId = retailerId,
            Type = type,
            ActorUserId = actor is not null ? actor.UserId : caller.IsSystem ? null : caller.UserId,
            ActorAgentId = actor is null ? agentId : null,
            ActorName = Truncate(actor is not null ? actor.Name : caller.Name, Data.Configurations.Lengths.Name),
            EntityType = entityType,
            EntityId = entityId,
            Changes = changes is null || changes.Count == 0 ? null : changes.ToJsonString(),
            IpAddress = Truncate(request?.Connection.RemoteIpAddress?.ToString(), 64),
            UserAgent = string.IsNullOrEmpty(userAgent) ? null : Truncate(userAgent, 512),
            At = AuditChains.Normalize(time.GetUtcNow()),
        };
    }

    private static string? Truncate(string? value, int length) => value is null || value.Length <= length ? value : value[..length];
}
