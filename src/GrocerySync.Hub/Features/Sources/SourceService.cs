using GrocerySync.Contracts;
using GrocerySync.Hub.Api;
using GrocerySync.Hub.Data;
using GrocerySync.Hub.Data.Entities;
using GrocerySync.Hub.Features.Connections;
using GrocerySync.Hub.Security;
using GrocerySync.Hub.Tenancy;
using Microsoft.EntityFrameworkCore;

namespace GrocerySync.Hub.Features.Sources;

/// <summary>Sources: where an agent reads a retailer's catalog, with write-only, encrypted secrets.</summary>
internal sealed class SourceService(HubDbContext db, RetailerScope scope, SecretProtector protector)
{
    private static readonly Ordering<Source> ListOrdering = Ordering<Source>.By("name", s => s.Id)
        .Add("name", s => s.Name)
        .Add("pluginId", s => s.PluginId)
        .Add("createdAt", s => s.CreatedAt)
        .Add("updatedAt", s => s.UpdatedAt);

    private static readonly Projection<Source, SourceDto> ToDto = new(s => new SourceDto(
        s.Id, s.RetailerId, s.Name, s.PluginId, s.PluginVersion, JsonSettings.Parse(s.Settings), ConnectionSecrets.Masked(s.SecretNames),
        s.AgentId, s.CreatedAt, s.UpdatedAt, s.Version));

    public Task<Outcome<PagedResult<SourceDto>>> ListAsync(ListQuery list, SourceListQuery filter, CancellationToken ct)
    {
        var query = db.Sources.AsNoTracking();
        if (!string.IsNullOrWhiteSpace(list.Search))
        {
            var term = list.Search.Trim().ToLower();
            query = query.Where(s => s.Name.ToLower().Contains(term));
        }

        if (filter.RetailerId is { } retailerId)
        {
            query = query.Where(s => s.RetailerId == retailerId);
        }

        if (filter.AgentId is { } agentId)
        {
            query = query.Where(s => s.AgentId == agentId);
        }

        if (!string.IsNullOrWhiteSpace(filter.PluginId))
        {
            query = query.Where(s => s.PluginId == filter.PluginId);
        }

        return query.ToPageAsync(list, ListOrdering, ToDto.Expression, ct);
    }

    public async Task<Outcome<SourceDto>> GetAsync(Guid id, CancellationToken ct) =>
        await db.Sources.AsNoTracking().SingleOrDefaultAsync(s => s.Id == id, ct) is { } source ? ToDto.From(source) : Outcome.NotFound;

    public async Task<Outcome<SourceDto>> CreateAsync(CreateSourceRequest request, CancellationToken ct)
    {
        var retailer = await scope.ForCreateAsync(request.RetailerId, ct);
        if (retailer.Kind != OutcomeKind.Ok)
        {
            return new Outcome(retailer.Kind, retailer.Errors, retailer.Detail);
        }

        var source = new Source { RetailerId = retailer.Value, Name = request.Name, PluginId = request.PluginId };
        if (await ApplyAsync(source, request, isNew: true, ct) is { } invalid)
        {
            return invalid;
        }

        db.Sources.Add(source);
        await db.SaveChangesAsync(ct);
        return ToDto.From(source);
    }

    public async Task<Outcome<SourceDto>> UpdateAsync(Guid id, UpdateSourceRequest request, CancellationToken ct)
    {
        var source = await db.Sources.SingleOrDefaultAsync(s => s.Id == id, ct);
        if (source is null)
        {
            return Outcome.NotFound;
        }

        if (source.Version != request.Version.GetValueOrDefault())
        {
            return Outcome.StaleVersion;
        }

        if (await ApplyAsync(source, request, isNew: false, ct) is { } invalid)
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

        return ToDto.From(source);
    }

    public async Task<Outcome<bool>> DeleteAsync(Guid id, CancellationToken ct)
    {
        var source = await db.Sources.SingleOrDefaultAsync(s => s.Id == id, ct);
        if (source is null)
        {
            return Outcome.NotFound;
        }

        if (await db.Jobs.AnyAsync(j => j.SourceId == id, ct))
        {
            return Outcome.Conflict("Jobs still read from this source. Delete them or point them at another source first.");
        }

        db.Sources.Remove(source);
        await db.SaveChangesAsync(ct);
        return true;
    }

    /// <summary>Copies the editable fields after checking them against the source's retailer; changes nothing when invalid.</summary>
    private async Task<Outcome?> ApplyAsync(Source source, SourceFields request, bool isNew, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        var retailerId = source.RetailerId;
        var name = request.Name.Trim();
        if (await db.Sources.AnyAsync(s => s.RetailerId == retailerId && s.Name == name && s.Id != source.Id, ct))
        {
            errors["name"] = [$"A source named '{name}' exists already."];
        }

        var agentId = request.AgentId.GetValueOrDefault();
        var agentChanges = isNew || agentId != source.AgentId;
        var agentStatus = await db.Agents.Where(a => a.Id == agentId && a.RetailerId == retailerId).Select(a => (AgentStatus?)a.Status).SingleOrDefaultAsync(ct);
        if (agentStatus is null)
        {
            errors["agentId"] = ["No agent with this id in the source's retailer."];
        }
        else if (agentChanges && agentStatus == AgentStatus.Revoked)
        {
            errors["agentId"] = ["The agent is revoked; choose an agent that can still connect."];
        }
        else if (agentChanges && !isNew && await db.Jobs.AnyAsync(j => j.SourceId == source.Id, ct))
        {
            // A job runs on the agent that reads its source; moving the source would strand its jobs.
            errors["agentId"] = ["Jobs run this source on its current agent. Move or delete those jobs first."];
        }

        var settings = JsonSettings.Serialize(request.Settings);
        JsonSettings.CheckSize("settings", settings, errors);
        if (ConnectionSecrets.Merge(protector, source, request.Secrets, out var secrets) is { } secretsError)
        {
            errors["secrets"] = [secretsError];
        }

        var pluginVersion = string.IsNullOrWhiteSpace(request.PluginVersion) ? null : request.PluginVersion.Trim();
        var pluginId = request.PluginId.Trim();
        if (pluginVersion is not null && !await db.PluginVersions.AnyAsync(v => v.PluginId == pluginId && v.Version == pluginVersion, ct))
        {
            errors["pluginVersion"] = [$"The plugin catalog has no version '{pluginVersion}' of plugin '{pluginId}'."];
        }

        if (errors.Count > 0)
        {
            return Outcome.Invalid(errors);
        }

        source.PluginVersion = pluginVersion;

        source.Name = name;
        source.PluginId = request.PluginId.Trim();
        source.Settings = settings;
        source.AgentId = agentId;
        secrets?.ApplyTo(source);
        return null;
    }
}
