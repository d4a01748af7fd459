using System.Collections.Concurrent;
using GrocerySync.Contracts;
using GrocerySync.Hub.Data;
using GrocerySync.Hub.Features.Dispatch;
using GrocerySync.Hub.Features.Runs;
using GrocerySync.Hub.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace GrocerySync.Hub.Tests.Features.Dispatch;

/// <summary>Leases, timeouts and secrets, on hubs with a fake clock (one per test: the tests move time).</summary>
public sealed class LeaseTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory, DatabaseData]
    public async Task A_run_whose_lease_lapses_fails_with_agent_stopped_reporting_and_heartbeats_keep_it_alive(DatabaseProvider provider)
    {
        var (app, clock) = await AgentKit.StartFakeClockHubAsync(provider);
        await using var _ = app;
        var tenant = await app.CreateTenantAsync();
        var agent = await AgentKit.EnrollAgentAsync(tenant, heartbeatIntervalSeconds: 30);
        var job = await AgentKit.AddJobAsync(tenant, agent, "pw");
        var sweeper = app.Services.GetRequiredService<LeaseSweeper>();
        var run = await AgentKit.QueueRunAsync(app, job);
        var lease = TimeSpan.FromSeconds(Assert.Single((await agent.PollAsync(wait: 5)).Runs).LeaseSeconds);
        await agent.SendEventsAsync(AgentKit.Started(1, run.Id, clock.GetUtcNow()));

        // A heartbeat that lists the run renews its lease: one second before the old lease ends, it is renewed.
        clock.Advance(lease - TimeSpan.FromSeconds(1));
        await agent.HeartbeatAsync([run.Id]);
        await agent.FlushHeartbeatsAsync();
        clock.Advance(TimeSpan.FromSeconds(2));
        await sweeper.RunOnceAsync(Ct);
        Assert.Equal(RunStatus.Running, (await AgentKit.RunAsync(app, run.Id)).Status);

        // Then the agent goes silent: one second after the renewed lease, the run ends.
        clock.Advance(lease - TimeSpan.FromSeconds(2));
        await sweeper.RunOnceAsync(Ct);
        Assert.Equal(RunStatus.Running, (await AgentKit.RunAsync(app, run.Id)).Status);
        clock.Advance(TimeSpan.FromSeconds(2));
        await sweeper.RunOnceAsync(Ct);
        var failed = await AgentKit.RunAsync(app, run.Id);
        Assert.Equal((RunStatus.Failed, LeaseSweeper.StoppedReporting), (failed.Status, failed.Error));
        Assert.Equal(LeaseSweeper.StoppedReporting, failed.StatusChanges.Single(c => c.ToStatus == RunStatus.Failed).Reason);
        Assert.NotNull(failed.FinishedAt);

        // The agent comes back and reports: the hub already ended the run, so it is told to stop it.
        Assert.Equal([run.Id], (await agent.HeartbeatAsync([run.Id])).CancelRunIds);
    }

    [Theory, DatabaseData]
    public async Task A_running_run_past_its_job_timeout_ends_as_TimedOut(DatabaseProvider provider)
    {
        var (app, clock) = await AgentKit.StartFakeClockHubAsync(provider);
        await using var _ = app;
        var tenant = await app.CreateTenantAsync();
        var agent = await AgentKit.EnrollAgentAsync(tenant);
        var job = await AgentKit.AddJobAsync(tenant, agent, "pw", timeoutSeconds: 600);
        var sweeper = app.Services.GetRequiredService<LeaseSweeper>();
        var run = await AgentKit.QueueRunAsync(app, job);
        Assert.Single((await agent.PollAsync(wait: 5)).Runs);
        await agent.SendEventsAsync(AgentKit.Started(1, run.Id, clock.GetUtcNow()));

        // Progress keeps the lease fresh, so only the timeout can end it.
        long sequence = 2;
        for (var elapsed = 60; elapsed <= 600; elapsed += 60)
        {
            clock.Advance(TimeSpan.FromSeconds(60));
            await agent.SendEventsAsync(AgentKit.Progress(sequence++, run.Id, clock.GetUtcNow(), elapsed));
            await sweeper.RunOnceAsync(Ct);
        }

        // At exactly the timeout it still runs; one second later it is over.
        Assert.Equal(RunStatus.Running, (await AgentKit.RunAsync(app, run.Id)).Status);
        clock.Advance(TimeSpan.FromSeconds(1));
        await sweeper.RunOnceAsync(Ct);
        Assert.Equal(RunStatus.TimedOut, (await AgentKit.RunAsync(app, run.Id)).Status);
        var ended = await AgentKit.RunAsync(app, run.Id);
        Assert.Contains("timeout of 600 s", ended.Error, StringComparison.Ordinal);
        Assert.Equal(601, (ended.FinishedAt!.Value - ended.StartedAt!.Value).TotalSeconds);
    }

    [Theory, DatabaseData]
    public async Task Secrets_reach_only_the_owning_agent_in_its_run_spec_and_never_the_logs(DatabaseProvider provider)
    {
        var captured = new LogCapture();
        var (app, _) = await AgentKit.StartFakeClockHubAsync(provider, new HubAppOptions
        {
            Settings = new Dictionary<string, string?> { ["Logging:LogLevel:Default"] = "Trace" },
            Services = s => s.AddSingleton<ILoggerProvider>(captured),
        });
        await using var __ = app;
        var tenant = await app.CreateTenantAsync();
        var owner = await AgentKit.EnrollAgentAsync(tenant);
        var colleague = await AgentKit.EnrollAgentAsync(tenant);
        var secret = $"s3cret-{Guid.NewGuid():N}";
        var job = await AgentKit.AddJobAsync(tenant, owner, secret);

        var run = await AgentKit.QueueRunAsync(app, job);
        Assert.Equal(System.Net.HttpStatusCode.NoContent, (await colleague.PollAsync(wait: 0)).Status);
        var spec = Assert.Single((await owner.PollAsync(wait: 5)).Runs);
        Assert.Equal(secret, spec.Source.Settings["sourcePassword"]);
        Assert.Equal(secret, spec.Destination.Settings["destinationToken"]);
        await owner.SendEventsAsync(AgentKit.Started(1, run.Id, DateTimeOffset.UtcNow), AgentKit.Finished(2, run.Id, DateTimeOffset.UtcNow, RunStatus.Succeeded, 1));

        // Nothing the hub logged, no audit entry and no user answer carries the secret.
        Assert.NotEmpty(captured.Entries);
        Assert.DoesNotContain(captured.Entries, m => m.Contains(secret, StringComparison.Ordinal));
        var audit = await app.QueryDbAsync(db => db.AuditEvents.Where(e => e.RetailerId == tenant.RetailerId).Select(e => e.Changes).ToListAsync(Ct));
        Assert.DoesNotContain(audit, c => c != null && c.Contains(secret, StringComparison.Ordinal));
        var runText = await tenant.Admin.Client.GetStringAsync($"/api/v1/runs/{run.Id}", Ct);
        Assert.DoesNotContain(secret, runText, StringComparison.Ordinal);
    }

    [Theory, DatabaseData]
    public async Task A_lease_that_lapsed_while_no_hub_ran_gives_the_agent_one_lease_from_the_restart_to_report(DatabaseProvider provider)
    {
        var clock = AgentKit.NewClock();
        await using var storage = await HubStorage.CreateAsync(provider);
        var before = await HubApp.StartAsync(storage, new HubAppOptions { Time = clock });
        var tenant = await before.CreateTenantAsync();
        var agent = await AgentKit.EnrollAgentAsync(tenant, heartbeatIntervalSeconds: 30);
        var run = await AgentKit.QueueRunAsync(before, await AgentKit.AddJobAsync(tenant, agent, "pw"));
        var lease = TimeSpan.FromSeconds(Assert.Single((await agent.PollAsync(wait: 5)).Runs).LeaseSeconds);
        await agent.SendEventsAsync(AgentKit.Started(1, run.Id, clock.GetUtcNow()));
        await before.DisposeAsync();

        // The hub is down far longer than the lease (within the job's timeout); then it starts again and sweeps at once.
        clock.Advance(TimeSpan.FromMinutes(10));
        await using var after = await HubApp.StartAsync(storage, new HubAppOptions { Time = clock });
        var sweeper = after.Services.GetRequiredService<LeaseSweeper>();
        await sweeper.RunOnceAsync(Ct);
        Assert.Equal(RunStatus.Running, (await AgentKit.RunAsync(after, run.Id)).Status);

        // One second before a lease has passed since the restart the run still waits for its agent; one second after, it ends.
        clock.Advance(lease - TimeSpan.FromSeconds(1));
        await sweeper.RunOnceAsync(Ct);
        Assert.Equal(RunStatus.Running, (await AgentKit.RunAsync(after, run.Id)).Status);
        clock.Advance(TimeSpan.FromSeconds(2));
        await sweeper.RunOnceAsync(Ct);
        var failed = await AgentKit.RunAsync(after, run.Id);
        Assert.Equal((RunStatus.Failed, LeaseSweeper.StoppedReporting), (failed.Status, failed.Error));
    }

    [Fact]
    public async Task Two_hubs_on_one_PostgreSQL_database_end_each_lapsed_lease_exactly_once()
    {
        var listener = new CountingFinishedListener();
        var clock = AgentKit.NewClock();
        var replica = new HubAppOptions { Time = clock, Services = s => s.AddSingleton<IRunFinishedListener>(listener) };
        await using var storage = await HubStorage.CreateAsync(DatabaseProvider.Postgres);
        await using var first = await HubApp.StartAsync(storage, replica);
        await using var second = await HubApp.StartAsync(storage, replica);
        var tenant = await first.CreateTenantAsync();
        var agent = await AgentKit.EnrollAgentAsync(tenant);
        var runs = new List<Guid>();
        for (var i = 0; i < 40; i++)
        {
            // One job each: a job has at most one active run.
            var run = await AgentKit.QueueRunAsync(first, await AgentKit.AddJobAsync(tenant, agent, "pw"), signal: false);
            runs.Add(run.Id);
        }

        // Hand all of them out (10 a poll), then let every lease lapse.
        while ((await agent.PollAsync(wait: 0)).Runs.Count > 0)
        {
        }

        clock.Advance(TimeSpan.FromHours(1));
        var sweepers = new[] { first.Services.GetRequiredService<LeaseSweeper>(), second.Services.GetRequiredService<LeaseSweeper>() };
        var passes = Enumerable.Range(0, 3).SelectMany(_ => sweepers).Select(s => Task.Run(() => s.RunOnceAsync(Ct), Ct));
        await Task.WhenAll(passes);
        await Task.WhenAll(sweepers.Select(s => s.RunOnceAsync(Ct)));

        var stored = await first.QueryDbAsync(db => db.JobRuns.AsNoTracking().Include(r => r.StatusChanges).Where(r => runs.Contains(r.Id)).ToListAsync(Ct));
        Assert.Equal(40, stored.Count);
        Assert.All(stored, r =>
        {
            Assert.Equal(RunStatus.Failed, r.Status);
            Assert.Single(r.StatusChanges, c => c.ToStatus == RunStatus.Failed);
        });

        // Whichever replica ended a run, the finished listeners heard of it once.
        Assert.Equal(runs.Order(), listener.Runs.Order());
    }

    private sealed class CountingFinishedListener : IRunFinishedListener
    {
        public ConcurrentBag<Guid> Runs { get; } = [];

        public Task OnRunFinishedAsync(HubDbContext db, Data.Entities.JobRun run, CancellationToken ct)
        {
            Runs.Add(run.Id);
            return Task.CompletedTask;
        }
    }
}
