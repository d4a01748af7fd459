using GrocerySync.Contracts;
using GrocerySync.Hub.Api;
using GrocerySync.Hub.Data;
using GrocerySync.Hub.Data.Entities;
using GrocerySync.Hub.Tenancy;
using Microsoft.EntityFrameworkCore;

namespace GrocerySync.Hub.Features.Agents;

/// <summary>Agents: the services inside store networks that run jobs. Enrollment and API keys come later.</summary>
internal sealed class AgentService(HubDbContext db, RetailerScope scope, CurrentUser caller, TimeProvider time)
{
    private static readonly Ordering<Agent> ListOrdering = Ordering<Agent>.By("name", a => a.Id)
        .Add("name", a => a.Name)
        .Add("createdAt", a => a.CreatedAt)
        .Add("lastHeartbeatAt", a => a.LastHeartbeatAt)
        .Add("status", a => a.Status);

    private static readonly Projection<Agent, AgentDto> ToDto = new(a => new AgentDto(
        a.Id, a.RetailerId, a.Name, a.Status, a.AgentVersion, a.OperatingSystem, a.HostName, a.HeartbeatIntervalSeconds,
        a.LastHeartbeatAt, a.ApiKeyPrefix, a.RevokedAt, a.RevokedBy, a.CreatedAt, a.UpdatedAt, a.Version));

    public Task<Outcome<PagedResult<AgentDto>>> ListAsync(ListQuery list, AgentListQuery filter, CancellationToken ct)
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

        return query.ToPageAsync(list, ListOrdering, ToDto.Expression, ct);
    }

    public async Task<Outcome<AgentDto>> GetAsync(Guid id, CancellationToken ct) =>
        await db.Agents.AsNoTracking().SingleOrDefaultAsync(a => a.Id == id, ct) is { } agent ? ToDto.From(agent) : Outcome.NotFound;

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
        return ToDto.From(agent);
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

        return ToDto.From(agent);
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
            await db.SaveChangesAsync(ct);
        }

        return ToDto.From(agent);
    }

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
