using GrocerySync.Hub.Data.Entities;

namespace GrocerySync.Hub.Tests.Infrastructure;

/// <summary>
/// One retailer of a test with a signed-in retailer admin and technician, and builders that add
/// configuration straight to the database (tests of a feature's API create through the API instead).
/// </summary>
internal sealed class TestTenant(HubApp app, Guid retailerId, TestUser admin, TestUser technician)
{
    public HubApp App => app;

    public Guid RetailerId => retailerId;

    public TestUser Admin => admin;

    public TestUser Technician => technician;

    public async Task<Agent> AddAgentAsync(string? name = null) =>
        await AddAsync(new Agent { RetailerId = retailerId, Name = name ?? Unique("agent") });

    public async Task<Source> AddSourceAsync(Agent agent, string? name = null) =>
        await AddAsync(new Source { RetailerId = retailerId, Name = name ?? Unique("source"), PluginId = "grocerysync.source.delimited-file", AgentId = agent.Id, Settings = """{"path":"catalog.csv"}""" });

    public async Task<Destination> AddDestinationAsync(string? name = null) =>
        await AddAsync(new Destination { RetailerId = retailerId, Name = name ?? Unique("destination"), PluginId = "grocerysync.destination.folder", Settings = """{"path":"out"}""" });

    public async Task<Job> AddJobAsync(Agent? agent = null, string? name = null)
    {
        agent ??= await AddAgentAsync();
        var source = await AddSourceAsync(agent);
        var destination = await AddDestinationAsync();
        return await AddAsync(new Job
        {
            RetailerId = retailerId,
            Name = name ?? Unique("job"),
            AgentId = agent.Id,
            SourceId = source.Id,
            DestinationId = destination.Id,
            AdapterPluginId = "grocerysync.adapter.google-merchant",
            CronExpression = "30 2 * * *",
            TimeZone = "Europe/Amsterdam",
        });
    }

    /// <summary>Adds any entity as the system and returns it with its generated values.</summary>
    public async Task<T> AddAsync<T>(T entity)
        where T : class
    {
        await app.WithDbAsync(db =>
        {
            db.Add(entity);
            return db.SaveChangesAsync();
        });
        return entity;
    }

    public static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 13)];
}
