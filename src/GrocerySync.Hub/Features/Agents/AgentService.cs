using GrocerySync.Contracts;
using GrocerySync.Hub.Api;
using GrocerySync.Hub.Data;
using GrocerySync.Hub.Data.Entities;
using GrocerySync.Hub.Tenancy;
using System.Text.Json;
using GrocerySync.Contracts.Agents;
using GrocerySync.Hub.Features.Plugins;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace GrocerySync.Hub.Features.Agents;

/// <summary>Agents: the services inside store networks that run jobs; enrollment tokens; revocation.</summary>
internal sealed class AgentService(HubDbContext db, RetailerScope scope, CurrentUser caller, TimeProvider time, AgentKeyCache keys, IOptions<AgentOptions> options)
{
    private static readonly Ordering<Agent> ListOrdering = Ordering<Agent>.By("name", a => a.Id)
        .Add("name", a => a.Name)
        .Add("createdAt", a => a.CreatedAt)
        .Add("lastHeartbeatAt", a => a.LastHeartbeatAt)
        .Add("status", a => a.Status);

    private static readonly Projection<Agent, AgentRow> ToRow = new(a => new AgentRow(
        a.Id, a.RetailerId, a.Name, a.Status, a.AgentVersion, a.OperatingSystem, a.HostName, a.HeartbeatIntervalSeconds,
        a.LastHeartbeatAt, a.OfflineSince, a.Plugins, a.EnrolledAt, a.EnrollmentTokenExpiresAt, a.ApiKeyPrefix, a.RevokedAt, a.RevokedBy, a.CreatedAt, a.UpdatedAt, a.Version));

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private AgentDto ToDto(AgentRow a) => new(
        a.Id, a.RetailerId, a.Name, a.Status, a.AgentVersion, a.OperatingSystem, a.HostName, a.HeartbeatIntervalSeconds,
        a.LastHeartbeatAt, a.OfflineSince, UpgradeSuggested(a.AgentVersion, options.Value.EffectiveCurrentVersion), ParsePlugins(a.Plugins),
        a.EnrolledAt, a.EnrollmentTokenExpiresAt, a.ApiKeyPrefix, a.RevokedAt, a.RevokedBy, a.CreatedAt, a.UpdatedAt, a.Version);

    /// <summary>True when the agent reported a valid version older than the one the hub ships.</summary>
    public static bool UpgradeSuggested(string? agentVersion, string currentVersion) =>
        agentVersion is not null && SemanticVersion.IsValid(agentVersion) && SemanticVersion.Compare(agentVersion, currentVersion) < 0;

    private static List<AgentPluginInfo> ParsePlugins(string? json)
    {
        if (string.IsNullOrEmpty(json))
        {
            return [];
        }

        try
        {
            return JsonSerializer.Deserialize<List<AgentPluginInfo>>(json, Json) ?? [];
        }
        catch (JsonException)
        {
            return [];
        }
    }

    public async Task<Outcome<PagedResult<AgentDto>>> ListAsync(ListQuery list, AgentListQuery filter, CancellationToken ct)
    {
        var query = db.Agents.AsNoTracking();
        if (!string.IsNullOrWhiteSpace(list.Search))
        {
            var term = list.Search.Trim().ToLower();
            query = query.Where(a => a.Name.ToLower().Contains(term) || (a.HostName != null && a.HostName.ToLower().Contains(term)));
        }

        if (filter.RetailerId is { } retailerId)
        {
            query = query.Where(a => a.RetailerId == retailerId);
        }

        if (filter.Status is { } status)
        {
            query = query.Where(a => a.Status == status);
        }

        var page = await query.ToPageAsync(list, ListOrdering, ToRow.Expression, ct);
        if (page.Kind != OutcomeKind.Ok)
        {
            return new Outcome(page.Kind, page.Errors, page.Detail);
        }

        var rows = page.Value!;
        return new PagedResult<AgentDto>([.. rows.Items.Select(ToDto)], rows.Page, rows.PageSize, rows.TotalCount);
    }

    public async Task<Outcome<AgentDto>> GetAsync(Guid id, CancellationToken ct) =>
        await db.Agents.AsNoTracking().SingleOrDefaultAsync(a => a.Id == id, ct) is { } agent ? From(agent) : Outcome.NotFound;

    /// <summary>
    /// A new one-time enrollment token for the agent (it replaces an unused earlier one). Only its hash is stored;
    /// the answer is the one time the token is shown. A revoked agent gets none.
    /// </summary>
    public async Task<Outcome<EnrollmentTokenDto>> CreateEnrollmentTokenAsync(Guid id, string hubUrl, CancellationToken ct)
    {
        var agent = await db.Agents.SingleOrDefaultAsync(a => a.Id == id, ct);
        if (agent is null)
        {
            return Outcome.NotFound;
        }

        if (agent.Status == AgentStatus.Revoked)
        {
            return Outcome.Conflict("The agent is revoked and cannot be enrolled again. Create a new agent instead.");
        }

        var (token, hash) = AgentKeys.NewEnrollmentToken();
        var expiresAt = time.GetUtcNow() + options.Value.EnrollmentTokenLifetime;
        agent.EnrollmentTokenHash = hash;
        agent.EnrollmentTokenExpiresAt = expiresAt;
        await db.SaveChangesAsync(ct);
        return new EnrollmentTokenDto(agent.Id, token, expiresAt, $"gsagent enroll --hub {hubUrl} --token {token}");
    }

    public async Task<Outcome<AgentDto>> CreateAsync(CreateAgentRequest request, CancellationToken ct)
    {
        var retailer = await scope.ForCreateAsync(request.RetailerId, ct);
        if (retailer.Kind != OutcomeKind.Ok)
        {
            return new Outcome(retailer.Kind, retailer.Errors, retailer.Detail);
        }

        var agent = new Agent { RetailerId = retailer.Value, Name = request.Name, Status = AgentStatus.Pending };
        if (await ApplyAsync(agent, request, ct) is { } invalid)
        {
            return invalid;
        }

        db.Agents.Add(agent);
        await db.SaveChangesAsync(ct);
        return From(agent);
    }

    public async Task<Outcome<AgentDto>> UpdateAsync(Guid id, UpdateAgentRequest request, CancellationToken ct)
    {
        var agent = await db.Agents.SingleOrDefaultAsync(a => a.Id == id, ct);
        if (agent is null)
        {
            return Outcome.NotFound;
        }

        if (agent.Version != request.Version.GetValueOrDefault())
        {
            return Outcome.StaleVersion;
        }

        if (await ApplyAsync(agent, request, ct) is { } invalid)
        {
            return invalid;
        }

        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            return Outcome.StaleVersion;
        }

        return From(agent);
    }

    public async Task<Outcome<bool>> DeleteAsync(Guid id, CancellationToken ct)
    {
        var agent = await db.Agents.SingleOrDefaultAsync(a => a.Id == id, ct);
        if (agent is null)
        {
            return Outcome.NotFound;
        }

        if (await db.Sources.AnyAsync(s => s.AgentId == id, ct) || await db.Jobs.AnyAsync(j => j.AgentId == id, ct))
        {
            return Outcome.Conflict("Sources or jobs still use this agent. Move or delete them first, or revoke the agent instead.");
        }

        if (await db.JobRuns.AnyAsync(r => r.AgentId == id, ct))
        {
            return Outcome.Conflict("The agent has run history that refers to it. Revoke the agent instead of deleting it.");
        }

        db.Agents.Remove(agent);
        await db.SaveChangesAsync(ct);
        return true;
    }

    /// <summary>Shuts the agent out for good: its key stops working. Revoking a revoked agent changes nothing.</summary>
    public async Task<Outcome<AgentDto>> RevokeAsync(Guid id, CancellationToken ct)
    {
        var agent = await db.Agents.SingleOrDefaultAsync(a => a.Id == id, ct);
        if (agent is null)
        {
            return Outcome.NotFound;
        }

        if (agent.Status != AgentStatus.Revoked)
        {
            agent.Status = AgentStatus.Revoked;
            agent.RevokedAt = time.GetUtcNow();
            agent.RevokedBy = caller.UserId;
            agent.EnrollmentTokenHash = null;
            agent.EnrollmentTokenExpiresAt = null;
            await db.SaveChangesAsync(ct);
        }

        // This replica refuses the key at once; the others within the key cache duration.
        keys.Evict(agent.ApiKeyPrefix);
        return From(agent);
    }

    private AgentDto From(Agent a) => ToDto(ToRow.From(a));

    private async Task<Outcome?> ApplyAsync(Agent agent, AgentFields request, CancellationToken ct)
    {
        var name = request.Name.Trim();
        var retailerId = agent.RetailerId;
        if (await db.Agents.AnyAsync(a => a.RetailerId == retailerId && a.Name == name && a.Id != agent.Id, ct))
        {
            return Outcome.Invalid("name", $"An agent named '{name}' exists already.");
        }

        agent.Name = name;
        agent.HeartbeatIntervalSeconds = request.HeartbeatIntervalSeconds;
        return null;
    }
}

/// <summary>The stored columns of an agent that its DTO is made from.</summary>
internal sealed record AgentRow(
    Guid Id, Guid RetailerId, string Name, AgentStatus Status, string? AgentVersion, string? OperatingSystem, string? HostName, int HeartbeatIntervalSeconds,
    DateTimeOffset? LastHeartbeatAt, DateTimeOffset? OfflineSince, string? Plugins, DateTimeOffset? EnrolledAt, DateTimeOffset? EnrollmentTokenExpiresAt,
    string? ApiKeyPrefix, DateTimeOffset? RevokedAt, Guid? RevokedBy, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, long Version);
