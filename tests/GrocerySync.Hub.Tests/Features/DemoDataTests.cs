using System.Text.Json;
using GrocerySync.Contracts;
using GrocerySync.Hub.Data;
using GrocerySync.Hub.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace GrocerySync.Hub.Tests.Features;

/// <summary>
/// The README's first command starts a demo hub: its demo job must be runnable as seeded (real plugin ids from the
/// catalog, a catalog file and an output folder on disk) and waiting for the demo agent with a token and a queued run.
/// </summary>
public sealed class DemoDataTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_demo_hub_seeds_a_runnable_sync_and_queues_its_first_run_for_the_demo_agent()
    {
        await using var app = await HubApp.StartAsync(DatabaseProvider.Sqlite, new HubAppOptions { Settings = new Dictionary<string, string?> { ["Hub:Demo"] = "true" } });

        var job = await app.QueryDbAsync(db => db.Jobs.AsNoTracking().Include(j => j.Source).Include(j => j.Destination).SingleAsync(Ct));
        var catalog = await app.QueryDbAsync(db => db.PluginPackages.AsNoTracking().Select(p => p.Id).ToListAsync(Ct));
        Assert.Contains(job.Source!.PluginId, catalog);
        Assert.Contains(job.AdapterPluginId, catalog);
        Assert.Contains(job.Destination!.PluginId, catalog);

        using var source = JsonDocument.Parse(job.Source.Settings);
        var lines = await File.ReadAllLinesAsync(source.RootElement.GetProperty("path").GetString()!, Ct);
        Assert.Equal(501, lines.Length); // the header and 500 products
        using var destination = JsonDocument.Parse(job.Destination.Settings);
        Assert.True(Directory.Exists(destination.RootElement.GetProperty("path").GetString()));

        // The invitation runs once the hub listens.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!await app.QueryDbAsync(db => db.JobRuns.AnyAsync(r => r.JobId == job.Id && r.Status == RunStatus.Queued, Ct)))
        {
            Assert.True(DateTime.UtcNow < deadline, "The demo job's first run was not queued.");
            await Task.Delay(100, Ct);
        }

        var agent = await app.QueryDbAsync(db => db.Agents.AsNoTracking().SingleAsync(a => a.Id == job.AgentId, Ct));
        Assert.Equal(AgentStatus.Pending, agent.Status);
        Assert.NotNull(agent.EnrollmentTokenHash);
        Assert.True(agent.EnrollmentTokenExpiresAt > DateTimeOffset.UtcNow);
    }
}
