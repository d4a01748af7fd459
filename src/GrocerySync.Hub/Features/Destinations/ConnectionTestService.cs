using GrocerySync.Contracts;
using GrocerySync.Hub.Api;
using GrocerySync.Hub.Data;
using GrocerySync.Hub.Data.Entities;
using GrocerySync.Hub.Features.Dispatch;
using GrocerySync.Hub.Tenancy;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace GrocerySync.Hub.Features.Destinations;

/// <summary>
/// Connection tests as users see them. A destination's server is reachable only from inside the store network, so a
/// test runs on an agent: the one the caller names, else an online agent of the destination's retailer, preferring one
/// whose jobs deliver to the destination. The agent takes it with its next work poll (woken at once on this replica)
/// and answers through <see cref="ConnectionTestDispatch"/>; a test nobody answers fails after
/// <see cref="RunOptions.ConnectionTestTimeout"/>.
/// </summary>
internal sealed class ConnectionTestService(HubDbContext db, CurrentUser caller, WorkSignals signals, TimeProvider time, IOptions<RunOptions> options, ILogger<ConnectionTestService> log)
{
    public const string NoAgentOnline =
        "No agent of this retailer is online to run the test. Connection tests run on an agent inside the store network: start the agent (or check why it stopped sending heartbeats), then test again.";

    public const string NoSuchAgent = "No such agent.";

    private static readonly Projection<DestinationConnectionTest, ConnectionTestDto> ToDto = new(t => new ConnectionTestDto(
        t.Id, t.DestinationId, t.AgentId, t.Status, t.Message, t.RequestedAt, t.DispatchedAt, t.FinishedAt, t.ExpiresAt));

    /// <summary>Asks an agent to test the destination's connection; the test's outcome is read with <see cref="GetAsync"/>.</summary>
    public async Task<Outcome<ConnectionTestDto>> RequestAsync(Guid destinationId, TestConnectionRequest? request, CancellationToken ct)
    {
        var destination = await db.Destinations.AsNoTracking().Where(d => d.Id == destinationId).Select(d => new { d.RetailerId }).SingleOrDefaultAsync(ct);
        if (destination is null)
        {
            return Outcome.NotFound;
        }

        Guid agentId;
        if (request?.AgentId is { } named)
        {
            // Another retailer's agent reads as no agent at all, also for platform admins acting on this destination.
            var agent = await db.Agents.AsNoTracking()
                .Where(a => a.Id == named && a.RetailerId == destination.RetailerId)
                .Select(a => new { a.Id, a.Name, a.Status })
                .SingleOrDefaultAsync(ct);
            if (agent is null)
            {
                return Outcome.Invalid("agentId", NoSuchAgent);
            }

            if (agent.Status != AgentStatus.Online)
            {
                return Outcome.Conflict(agent.Status == AgentStatus.Revoked
                    ? $"Agent '{agent.Name}' is revoked and runs nothing; choose another agent."
                    : $"Agent '{agent.Name}' is {agent.Status.ToString().ToLowerInvariant()}: connection tests run on an online agent. Start it (or choose another agent), then test again.");
            }

            agentId = agent.Id;
        }
        else
        {
            var chosen = await db.Agents.AsNoTracking()
                .Where(a => a.RetailerId == destination.RetailerId && a.Status == AgentStatus.Online)
                .OrderByDescending(a => db.Jobs.Any(j => j.DestinationId == destinationId && j.AgentId == a.Id))
                .ThenByDescending(a => a.LastHeartbeatAt)
                .ThenBy(a => a.Id)
                .Select(a => (Guid?)a.Id)
                .FirstOrDefaultAsync(ct);
            if (chosen is null)
            {
                return Outcome.Conflict(NoAgentOnline);
            }

            agentId = chosen.Value;
        }

        var now = time.GetUtcNow();
        var test = new DestinationConnectionTest
        {
            RetailerId = destination.RetailerId,
            DestinationId = destinationId,
            AgentId = agentId,
            Status = ConnectionTestStatus.Pending,
            RequestedByUserId = caller.UserId,
            RequestedByName = caller.Name,
            RequestedAt = now,
            ExpiresAt = now + options.Value.ConnectionTestTimeout,
        };
        db.ConnectionTests.Add(test);
        await db.SaveChangesAsync(ct);
        signals.Signal(agentId);
        HubLog.ConnectionTestRequested(log, test.Id, destinationId, agentId);
        return ToDto.From(test);
    }

    /// <summary>One test of the destination.</summary>
    public async Task<Outcome<ConnectionTestDto>> GetAsync(Guid destinationId, Guid testId, CancellationToken ct) =>
        await db.ConnectionTests.AsNoTracking().Where(t => t.Id == testId && t.DestinationId == destinationId).Select(ToDto.Expression).SingleOrDefaultAsync(ct) is { } test
            ? test
            : Outcome.NotFound;
}
