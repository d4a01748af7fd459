using GrocerySync.Contracts;
using GrocerySync.Hub.Api;
using GrocerySync.Hub.Data;
using GrocerySync.Hub.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace GrocerySync.Hub.Features.Plugins;

/// <summary>The platform-wide plugin catalog, read-only here (publishing comes with the catalog upload).</summary>
internal sealed class PluginService(HubDbContext db)
{
    private static readonly Ordering<PluginPackage> ListOrdering = Ordering<PluginPackage>.By("displayName", p => p.Id)
        .Add("displayName", p => p.DisplayName)
        .Add("id", p => p.Id)
        .Add("kind", p => p.Kind);

    public async Task<Outcome<PagedResult<PluginSummaryDto>>> ListAsync(ListQuery list, PluginListQuery filter, CancellationToken ct)
    {
        var query = db.PluginPackages.AsNoTracking();
        if (!string.IsNullOrWhiteSpace(list.Search))
        {
            var term = list.Search.Trim().ToLower();
            query = query.Where(p => p.Id.ToLower().Contains(term) || p.DisplayName.ToLower().Contains(term));
        }

        if (filter.Kind is { } kind)
        {
            query = query.Where(p => p.Kind == kind);
        }

        var page = await query.ToPageAsync(list, ListOrdering, p => new PluginSummaryDto(p.Id, p.Kind, p.DisplayName, p.Description,
            p.Versions.Select(v => new PluginVersionSummaryDto(v.Version, v.MinimumAgentVersion, v.PublishedAt)).ToList()), ct);
        if (page.Kind != OutcomeKind.Ok)
        {
            return page;
        }

        // Semantic-version order has no SQL translation; a plugin has few versions, so they are sorted here.
        var items = page.Value!.Items.Select(p => p with { Versions = [.. p.Versions.OrderBy(v => v.Version, SemanticVersion.NewestFirst)] }).ToList();
        return page.Value with { Items = items };
    }

    public async Task<Outcome<PluginDto>> GetAsync(string id, CancellationToken ct)
    {
        var plugin = await db.PluginPackages.AsNoTracking()
            .Where(p => p.Id == id)
            .Select(p => new PluginDto(p.Id, p.Kind, p.DisplayName, p.Description,
                p.Versions.Select(v => new PluginVersionDto(v.Version, v.Sha256, v.MinimumAgentVersion, JsonSettings.Parse(v.SettingsSchema), v.PublishedAt)).ToList()))
            .SingleOrDefaultAsync(ct);
        return plugin is null
            ? Outcome.NotFound
            : plugin with { Versions = [.. plugin.Versions.OrderBy(v => v.Version, SemanticVersion.NewestFirst)] };
    }
}
