using System.Net.Http.Json;
using GrocerySync.Contracts;
using GrocerySync.Hub.Data;
using GrocerySync.Hub.Data.Entities;
using GrocerySync.Hub.Features.Logs;
using GrocerySync.Hub.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace GrocerySync.Hub.Tests.Features.Logs;

/// <summary>A hub upgraded across the migration that added segments finds the lines it stored before.</summary>
public sealed class LogSegmentsMigrationTests
{
    private const string MigrationBefore = "LogEntriesFewerIndexes";
    private static readonly DateTimeOffset T0 = new(2036, 5, 1, 6, 0, 0, TimeSpan.Zero);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory, DatabaseData]
    public async Task Lines_stored_before_segments_existed_page_by_run_agent_and_time_after_the_upgrade(DatabaseProvider provider)
    {
        await using var storage = await HubStorage.CreateAsync(provider);
        var retailer = Guid.CreateVersion7();
        var (agentA, agentB) = (Guid.CreateVersion7(), Guid.CreateVersion7());
        var (runA1, runA2, runB) = (Guid.CreateVersion7(), Guid.CreateVersion7(), Guid.CreateVersion7());

        // As the old hub stored them: ids in arrival order, agents and runs interleaved, some lines about no run.
        var old = new List<LogEntry>();
        for (var i = 0; i < 60; i++)
        {
            var (agent, run) = (i % 5) switch
            {
                0 or 1 => (agentA, (Guid?)runA1),
                2 => (agentA, i < 30 ? runA2 : null),
                3 => (agentB, runB),
                _ => (agentA, (Guid?)null),
            };
            old.Add(new LogEntry
            {
                Id = i + 1,
                RetailerId = retailer,
                AgentId = agent,
                JobRunId = run,
                Timestamp = T0.AddSeconds(i),
                Level = LogSeverity.Information,
                Category = "GrocerySync.Sync",
                Message = $"old {i}",
            });
        }

        await using (var db = Context(storage))
        {
            var migrator = db.GetService<IMigrator>();
            await migrator.MigrateAsync(MigrationBefore, Ct);
            db.LogEntries.AddRange(old);
            await db.SaveChangesAsync(Ct);
            await migrator.MigrateAsync(null, Ct);
        }

        await using var app = await HubApp.StartAsync(storage, new HubAppOptions());
        var added = new List<LogRow>();
        for (var i = 0; i < 10; i++)
        {
            added.Add(new LogRow(retailer, i % 2 == 0 ? agentA : agentB, i % 2 == 0 ? runA1 : runB, T0.AddMinutes(5).AddSeconds(i), LogSeverity.Information, "GrocerySync.Sync", $"new {i}", null));
        }

        await app.WithDbAsync(db => LogWriter.WriteAsync(db, added, Ct));
        var all = await app.QueryDbAsync(db => db.LogEntries.AsNoTracking().Where(l => l.RetailerId == retailer).OrderBy(l => l.Id).ToListAsync(Ct));
        Assert.Equal(70, all.Count);
        Assert.True(all.Skip(60).All(l => l.Id > 60), "new lines take ids past the old ones");

        var client = app.PlatformAdmin.Client;
        var (from, to) = (T0.AddSeconds(20), T0.AddMinutes(5).AddSeconds(3));
        var cases = new (string Query, Func<LogEntry, bool> Matches)[]
        {
            ($"runId={runA1}", l => l.JobRunId == runA1),
            ($"runId={runA2}", l => l.JobRunId == runA2),
            ($"runId={runB}", l => l.JobRunId == runB),
            ($"agentId={agentA}", l => l.AgentId == agentA),
            ($"retailerId={retailer}&from={Iso(from)}&to={Iso(to)}", l => l.Timestamp >= from && l.Timestamp < to),
        };
        foreach (var (query, matches) in cases)
        {
            var page = await client.GetFromJsonAsync<LogPage>($"/api/v1/logs?{query}&limit=1000", Ct);
            Assert.Equal(all.Where(matches).Select(l => l.Message), page!.Items.Select(l => l.Message));
        }
    }

    private static HubDbContext Context(HubStorage storage) =>
        storage.Provider == DatabaseProvider.Postgres
            ? new PostgresHubDbContext(new DbContextOptionsBuilder<PostgresHubDbContext>().UseNpgsql(storage.PostgresConnectionString).Options, SqliteDesignTimeFactory.SystemUser(), TimeProvider.System)
            : new SqliteHubDbContext(new DbContextOptionsBuilder<SqliteHubDbContext>().UseSqlite($"Data Source={Path.Combine(storage.DataDirectory, "hub.db")}").Options, SqliteDesignTimeFactory.SystemUser(), TimeProvider.System);

    private static string Iso(DateTimeOffset value) => Uri.EscapeDataString(value.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
}
