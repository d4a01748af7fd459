using GrocerySync.Contracts;
using GrocerySync.Hub.Api;
using GrocerySync.Hub.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace GrocerySync.Hub.Features.Plugins;

internal static class PluginsApi
{
    public static IServiceCollection AddPlugins(this IServiceCollection services)
    {
        services.AddScoped<PluginService>();
        services.AddOptions<PluginPackageOptions>().BindConfiguration(PluginPackageOptions.Section);
        services.AddSingleton<PackageHashes>();
        services.AddScoped<PluginPackages>();
        services.AddHostedService<PluginCatalogPublisher>();
        return services;
    }

    public static RouteGroupBuilder MapPluginsEndpoints(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/plugins").WithTags("Plugins").RequireAuthorization(Policies.AnyUser);

        group.MapGet("/", async Task<Results<Ok<PagedResult<PluginSummaryDto>>, ValidationProblem>> (
                [AsParameters] ListQuery list, [AsParameters] PluginListQuery filter, PluginService service, CancellationToken ct) =>
            (await service.ListAsync(list, filter, ct)).ToListResult())
            .WithSummary("Lists the plugin catalog with each plugin's versions, newest first; search matches the id and the display name.");

        group.MapGet("/{id}", async Task<Results<Ok<PluginDto>, NotFound>> (string id, PluginService service, CancellationToken ct) =>
            (await service.GetAsync(id, ct)).ToGetResult())
            .WithSummary("Gets one plugin by its id (e.g. grocerysync.source.delimited-file) with every version, newest first, and its settings schema.");

        return group;
    }
}
