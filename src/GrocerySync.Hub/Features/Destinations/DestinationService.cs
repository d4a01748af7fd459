using GrocerySync.Contracts;
using GrocerySync.Hub.Api;
using GrocerySync.Hub.Data;
using GrocerySync.Hub.Data.Entities;
using GrocerySync.Hub.Features.Connections;
using GrocerySync.Hub.Security;
using GrocerySync.Hub.Tenancy;
using Microsoft.EntityFrameworkCore;

namespace GrocerySync.Hub.Features.Destinations;

/// <summary>Destinations: where agents deliver channel feeds, with write-only, encrypted secrets (connection tests: <see cref="ConnectionTestService"/>).</summary>
internal sealed class DestinationService(HubDbContext db, RetailerScope scope, SecretProtector protector)
{
    private static readonly Ordering<Destination> ListOrdering = Ordering<Destination>.By("name", d => d.Id)
        .Add("name", d => d.Name)
        .Add("pluginId", d => d.PluginId)
        .Add("connectionStatus", d => d.ConnectionStatus)
        .Add("lastTestedAt", d => d.LastTestedAt)
        .Add("createdAt", d => d.CreatedAt)
        .Add("updatedAt", d => d.UpdatedAt);

    private static readonly Projection<Destination, DestinationDto> ToDto = new(d => new DestinationDto(
        d.Id, d.RetailerId, d.Name, d.PluginId, d.PluginVersion, JsonSettings.Parse(d.Settings), ConnectionSecrets.Masked(d.SecretNames),
        d.ConnectionStatus, d.LastTestedAt, d.LastTestMessage, d.CreatedAt, d.UpdatedAt, d.Version));

    public Task<Outcome<PagedResult<DestinationDto>>> ListAsync(ListQuery list, DestinationListQuery filter, CancellationToken ct)
    {
        var query = db.Destinations.AsNoTracking();
        if (!string.IsNullOrWhiteSpace(list.Search))
        {
            var term = list.Search.Trim().ToLower();
            query = query.Where(d => d.Name.ToLower().Contains(term));
        }

        if (filter.RetailerId is { } retailerId)
        {
            query = query.Where(d => d.RetailerId == retailerId);
        }

        if (!string.IsNullOrWhiteSpace(filter.PluginId))
        {
            query = query.Where(d => d.PluginId == filter.PluginId);
        }

        if (filter.ConnectionStatus is { } status)
        {
            query = query.Where(d => d.ConnectionStatus == status);
        }

        return query.ToPageAsync(list, ListOrdering, ToDto.Expression, ct);
    }

    public async Task<Outcome<DestinationDto>> GetAsync(Guid id, CancellationToken ct) =>
        await db.Destinations.AsNoTracking().SingleOrDefaultAsync(d => d.Id == id, ct) is { } destination ? ToDto.From(destination) : Outcome.NotFound;

    public async Task<Outcome<DestinationDto>> CreateAsync(CreateDestinationRequest request, CancellationToken ct)
    {
        var retailer = await scope.ForCreateAsync(request.RetailerId, ct);
        if (retailer.Kind != OutcomeKind.Ok)
        {
            return new Outcome(retailer.Kind, retailer.Errors, retailer.Detail);
        }

        var destination = new Destination { RetailerId = retailer.Value, Name = request.Name, PluginId = request.PluginId };
        if (await ApplyAsync(destination, request, ct) is { } invalid)
        {
            return invalid;
        }

        db.Destinations.Add(destination);
        await db.SaveChangesAsync(ct);
        return ToDto.From(destination);
    }

    public async Task<Outcome<DestinationDto>> UpdateAsync(Guid id, UpdateDestinationRequest request, CancellationToken ct)
    {
        var destination = await db.Destinations.SingleOrDefaultAsync(d => d.Id == id, ct);
        if (destination is null)
        {
            return Outcome.NotFound;
        }

        if (destination.Version != request.Version.GetValueOrDefault())
        {
            return Outcome.StaleVersion;
        }

        var pluginChanges = destination.PluginId != request.PluginId.Trim();
        if (await ApplyAsync(destination, request, ct) is { } invalid)
        {
            return invalid;
        }

        if (pluginChanges)
        {
            // A test result says nothing about another plugin's connection.
            destination.ConnectionStatus = ConnectionStatus.Untested;
            destination.LastTestedAt = null;
            destination.LastTestMessage = null;
        }

        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            return Outcome.StaleVersion;
        }

        return ToDto.From(destination);
    }

    public async Task<Outcome<bool>> DeleteAsync(Guid id, CancellationToken ct)
    {
        var destination = await db.Destinations.SingleOrDefaultAsync(d => d.Id == id, ct);
        if (destination is null)
        {
            return Outcome.NotFound;
        }

        if (await db.Jobs.AnyAsync(j => j.DestinationId == id, ct))
        {
            return Outcome.Conflict("Jobs still deliver to this destination. Delete them or point them at another destination first.");
        }

        db.Destinations.Remove(destination);
        await db.SaveChangesAsync(ct);
        return true;
    }

    /// <summary>Copies the editable fields after checking them against the destination's retailer; changes nothing when invalid.</summary>
    private async Task<Outcome?> ApplyAsync(Destination destination, DestinationFields request, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        var retailerId = destination.RetailerId;
        var name = request.Name.Trim();
        if (await db.Destinations.AnyAsync(d => d.RetailerId == retailerId && d.Name == name && d.Id != destination.Id, ct))
        {
            errors["name"] = [$"A destination named '{name}' exists already."];
        }

        var settings = JsonSettings.Serialize(request.Settings);
        JsonSettings.CheckSize("settings", settings, errors);
        if (ConnectionSecrets.Merge(protector, destination, request.Secrets, out var secrets) is { } secretsError)
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

        destination.PluginVersion = pluginVersion;

        destination.Name = name;
        destination.PluginId = request.PluginId.Trim();
        destination.Settings = settings;
        secrets?.ApplyTo(destination);
        return null;
    }
}
