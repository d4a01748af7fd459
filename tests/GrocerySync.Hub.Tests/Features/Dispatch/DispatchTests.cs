using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using GrocerySync.Contracts;
using GrocerySync.Contracts.Agents;
using GrocerySync.Hub.Data;
using GrocerySync.Hub.Features.Runs;
using GrocerySync.Hub.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace GrocerySync.Hub.Tests.Features.Dispatch;

public sealed class DispatchTests(HubApps apps)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory, DatabaseData]
    public async Task A_waiting_long_poll_gets_a_queued_run_at_once_and_an_empty_poll_answers_204_after_the_wait(DatabaseProvider provider)
    {
        var app = await apps.GetAsync(provider);
        var tenant = await app.CreateTenantAsync();
        var agent = await AgentKit.EnrollAgentAsync(tenant);
        var job = await AgentKit.AddJobAsync(tenant, agent, "pw-1");

        var empty = Stopwatch.StartNew();
        var (status, runs) = await agent.PollAsync(wait: 1);
        Assert.Equal(HttpStatusCode.NoContent, status);
        Assert.Empty(runs);
        Assert.True(empty.Elapsed >= TimeSpan.FromSeconds(0.9), $"An empty poll with wait=1 answered after {empty.Elapsed}.");

        // The poll waits; queueing the run wakes it (the answer comes long before the 30 s wait).
        var poll = agent.PollAsync(wait: 30);
        await Task.Delay(300, Ct);
        Assert.False(poll.IsCompleted);
        var run = await AgentKit.QueueRunAsync(app, job);
        var (got, specs) = await poll.WaitAsync(TimeSpan.FromSeconds(20), Ct);
        Assert.Equal(HttpStatusCode.OK, got);
        var spec = Assert.Single(specs);
        Assert.Equal((run.Id, job.Id, job.Name), (spec.RunId, spec.JobId, spec.JobName));
        Assert.Equal(("delimited-file", "google-merchant", "folder"), (spec.Source.PluginId, spec.Adapter.PluginId, spec.Destination.PluginId));
        Assert.Equal("1.0.0", spec.Source.Version);
        var catalogHash = await app.QueryDbAsync(db => db.PluginVersions.Where(v => v.PluginId == "delimited-file" && v.Version == "1.0.0").Select(v => v.Sha256).SingleAsync(Ct));
        Assert.Equal(catalogHash, spec.Source.Sha256);
        Assert.Equal(("/data/catalog.csv", "true", "500"), (spec.Source.Settings["path"], spec.Source.Settings["hasHeader"], spec.Source.Settings["batchSize"]));
        Assert.Equal(["dairy"], spec.Filters.Departments);
        Assert.True(spec.Filters.ActiveOnly);
        Assert.True(spec.LeaseSeconds >= 90);

        var stored = await AgentKit.RunAsync(app, run.Id);
        Assert.Equal(RunStatus.Dispatched, stored.Status);
        Assert.NotNull(stored.LeaseExpiresAt);
        Assert.Contains(stored.StatusChanges, c => c.FromStatus == RunStatus.Queued && c.ToStatus == RunStatus.Dispatched);
        Assert.Equal(HttpStatusCode.NoContent, (await agent.PollAsync(wait: 0)).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await agent.Client.GetAsync($"/{AgentRoutes.Work}?{AgentRoutes.WaitSecondsQuery}=61", Ct)).StatusCode);
    }

    [Theory, DatabaseData]
    public async Task A_poll_hands_out_no_more_runs_than_the_agent_has_free_slots(DatabaseProvider provider)
    {
        var app = await apps.GetAsync(provider);
        var tenant = await app.CreateTenantAsync();
        var agent = await AgentKit.EnrollAgentAsync(tenant);
        var queued = new List<Guid>();
        for (var i = 0; i < 3; i++)
        {
            queued.Add((await AgentKit.QueueRunAsync(app, await AgentKit.AddJobAsync(tenant, agent, "pw"))).Id);
        }

        Assert.Equal(HttpStatusCode.BadRequest, (await agent.PollAsync(wait: 0, maxRuns: -1)).Status);
        Assert.Equal(HttpStatusCode.NoContent, (await agent.PollAsync(wait: 0, maxRuns: 0)).Status); // every slot busy: tests only
        Assert.Equal(RunStatus.Queued, (await AgentKit.RunAsync(app, queued[0])).Status);
        var first = await agent.PollAsync(wait: 0, maxRuns: 2);
        Assert.Equal(queued[..2], first.Runs.Select(r => r.RunId));
        var second = await agent.PollAsync(wait: 0, maxRuns: 2);
        Assert.Equal(queued[2..], second.Runs.Select(r => r.RunId));
        Assert.Equal(RunStatus.Dispatched, (await AgentKit.RunAsync(app, queued[2])).Status);
    }

    [Theory, DatabaseData]
    public async Task A_run_queued_without_a_signal_is_found_in_the_database(DatabaseProvider provider)
    {
        // As when another replica queued it: no in-process signal, the watcher's database check finds it.
        var app = await apps.GetAsync(provider);
        var tenant = await app.CreateTenantAsync();
        var agent = await AgentKit.EnrollAgentAsync(tenant);
        var job = await AgentKit.AddJobAsync(tenant, agent, "pw");
        var poll = agent.PollAsync(wait: 30);
        await Task.Delay(200, Ct);
        var run = await AgentKit.QueueRunAsync(app, job, signal: false);
        var (status, runs) = await poll.WaitAsync(TimeSpan.FromSeconds(20), Ct);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(run.Id, Assert.Single(runs).RunId);
    }

    [Theory, DatabaseData]
    public async Task A_run_is_dispatched_once_when_several_polls_race(DatabaseProvider provider)
    {
        var app = await apps.GetAsync(provider);
        var tenant = await app.CreateTenantAsync();
        var agent = await AgentKit.EnrollAgentAsync(tenant);
        var job = await AgentKit.AddJobAsync(tenant, agent, "pw");
        var polls = Enumerable.Range(0, 4).Select(_ => agent.PollAsync(wait: 3)).ToList();
        await Task.Delay(200, Ct);
        var run = await AgentKit.QueueRunAsync(app, job);

        var answers = await Task.WhenAll(polls);
        Assert.Single(answers.SelectMany(a => a.Runs), s => s.RunId == run.Id);
        var stored = await AgentKit.RunAsync(app, run.Id);
        Assert.Single(stored.StatusChanges, c => c.ToStatus == RunStatus.Dispatched);
    }

    [Theory, DatabaseData]
    public async Task An_agent_clock_behind_or_ahead_of_the_hub_never_puts_the_run_history_out_of_order(DatabaseProvider provider)
    {
        var app = await apps.GetAsync(provider);
        var tenant = await app.CreateTenantAsync();
        var agent = await AgentKit.EnrollAgentAsync(tenant);
        var run = await AgentKit.QueueRunAsync(app, await AgentKit.AddJobAsync(tenant, agent, "pw"));
        Assert.Single((await agent.PollAsync(wait: 5)).Runs);
        var dispatched = (await AgentKit.RunAsync(app, run.Id)).StatusChanges.Single(c => c.ToStatus == RunStatus.Dispatched).At;

        // Started by a clock a minute behind the hub's, finished by one an hour ahead.
        await agent.SendEventsAsync(AgentKit.Started(1, run.Id, dispatched.AddMinutes(-1)));
        await agent.SendEventsAsync(AgentKit.Finished(2, run.Id, DateTimeOffset.UtcNow.AddHours(1), RunStatus.Succeeded, 10));
        var received = DateTimeOffset.UtcNow;

        var done = await AgentKit.RunAsync(app, run.Id);
        Assert.Equal(dispatched, done.StartedAt);
        Assert.InRange(done.FinishedAt!.Value, dispatched, received);
        var history = done.StatusChanges.OrderBy(c => c.At).ThenBy(c => c.Id).ToList();
        Assert.Equal([RunStatus.Queued, RunStatus.Dispatched, RunStatus.Running, RunStatus.Succeeded], history.Select(c => c.ToStatus));
        Assert.Equal(history.OrderBy(c => c.Id).Select(c => c.Id), history.Select(c => c.Id));
    }

    [Theory, DatabaseData]
    public async Task Events_drive_the_lifecycle_and_a_resent_batch_is_applied_once(DatabaseProvider provider)
    {
        var app = await apps.GetAsync(provider);
        var tenant = await app.CreateTenantAsync();
        var agent = await AgentKit.EnrollAgentAsync(tenant);
        var job = await AgentKit.AddJobAsync(tenant, agent, "pw");
        var run = await AgentKit.QueueRunAsync(app, job);
        Assert.Single((await agent.PollAsync(wait: 5)).Runs);
        var t0 = DateTimeOffset.UtcNow;

        var first = await agent.SendEventsAsync(AgentKit.Started(1, run.Id, t0), AgentKit.Progress(2, run.Id, t0.AddSeconds(1), 100));
        Assert.Equal(2, first.AcknowledgedSequence);
        var running = await AgentKit.RunAsync(app, run.Id);
        Assert.Equal((RunStatus.Running, 100L), (running.Status, running.RecordsRead));
        Assert.Equal(t0.UtcTicks / 10, running.StartedAt!.Value.UtcTicks / 10);

        // Progress moves on; then the first batch arrives again (a retry that was in flight): it is not applied again.
        Assert.Equal(3, (await agent.SendEventsAsync(AgentKit.Progress(3, run.Id, t0.AddSeconds(2), 200))).AcknowledgedSequence);
        Assert.Equal(3, (await agent.SendEventsAsync(AgentKit.Started(1, run.Id, t0), AgentKit.Progress(2, run.Id, t0.AddSeconds(1), 100))).AcknowledgedSequence);
        Assert.Equal(200, (await AgentKit.RunAsync(app, run.Id)).RecordsRead);

        // The agent did not get the answer and resends, with one more event: only event 4 is new.
        var batch = new[] { AgentKit.Progress(2, run.Id, t0.AddSeconds(1), 100), AgentKit.Progress(3, run.Id, t0.AddSeconds(2), 200), AgentKit.Finished(4, run.Id, t0.AddSeconds(5), RunStatus.Succeeded, 250) };
        Assert.Equal(4, (await agent.SendEventsAsync(batch)).AcknowledgedSequence);
        Assert.Equal(4, (await agent.SendEventsAsync(batch)).AcknowledgedSequence);
        await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => agent.SendEventsAsync(batch)));

        var done = await AgentKit.RunAsync(app, run.Id);
        Assert.Equal(RunStatus.Succeeded, done.Status);
        Assert.Equal((250L, 125L, 125L, 1L, 2500L), (done.RecordsRead, done.RecordsChanged, done.RecordsWritten, done.RecordsRejected, done.BytesWritten));
        Assert.Null(done.LeaseExpiresAt);
        Assert.Null(done.Error);
        Assert.Equal([RunStatus.Queued, RunStatus.Dispatched, RunStatus.Running, RunStatus.Succeeded], done.StatusChanges.OrderBy(c => c.Id).Select(c => c.ToStatus));

        // After the end, events are ignored (the outbox moves on), never a 500.
        var late = await agent.SendEventsAsync(AgentKit.Progress(5, run.Id, t0.AddSeconds(6), 999), AgentKit.Finished(6, run.Id, t0.AddSeconds(7), RunStatus.Failed, 1, "late"));
        Assert.Equal(6, late.AcknowledgedSequence);
        var after = await AgentKit.RunAsync(app, run.Id);
        Assert.Equal((RunStatus.Succeeded, 250L, 4), (after.Status, after.RecordsRead, after.StatusChanges.Count));

        var run2 = await AgentKit.QueueRunAsync(app, job);
        Assert.Single((await agent.PollAsync(wait: 5)).Runs);
        await agent.SendEventsAsync(AgentKit.Started(7, run2.Id, t0), AgentKit.Finished(8, run2.Id, t0.AddSeconds(1), RunStatus.Failed, 3, "destination refused the upload"));
        var failed = await AgentKit.RunAsync(app, run2.Id);
        Assert.Equal((RunStatus.Failed, "destination refused the upload"), (failed.Status, failed.Error));
        Assert.Equal("destination refused the upload", failed.StatusChanges.Single(c => c.ToStatus == RunStatus.Failed).Reason);

        var bad = await agent.Client.PostAsJsonAsync("/" + AgentRoutes.Events, new EventBatch(Guid.Empty, []), Ct);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
    }

    [Theory, DatabaseData]
    public async Task Cancel_ends_a_queued_run_at_once_and_reaches_the_agent_of_a_running_one(DatabaseProvider provider)
    {
        var app = await apps.GetAsync(provider);
        var tenant = await app.CreateTenantAsync();
        var agent = await AgentKit.EnrollAgentAsync(tenant);
        var job = await AgentKit.AddJobAsync(tenant, agent, "pw");

        var queued = await AgentKit.QueueRunAsync(app, job, signal: false);
        var cancelled = await tenant.Technician.Client.PostAsync($"/api/v1/runs/{queued.Id}/cancel", null, Ct);
        Assert.Equal(HttpStatusCode.OK, cancelled.StatusCode);
        Assert.Equal(RunStatus.Cancelled, (await cancelled.Content.ReadFromJsonAsync<RunDetailDto>(Ct))!.Run.Status);
        Assert.Equal(HttpStatusCode.Conflict, (await tenant.Technician.Client.PostAsync($"/api/v1/runs/{queued.Id}/cancel", null, Ct)).StatusCode);

        var run = await AgentKit.QueueRunAsync(app, job);
        Assert.Equal(run.Id, Assert.Single((await agent.PollAsync(wait: 5)).Runs).RunId);
        await agent.SendEventsAsync(AgentKit.Started(1, run.Id, DateTimeOffset.UtcNow));
        Assert.Empty((await agent.HeartbeatAsync([run.Id])).CancelRunIds);

        var requested = await tenant.Admin.Client.PostAsync($"/api/v1/runs/{run.Id}/cancel", null, Ct);
        Assert.Equal(HttpStatusCode.OK, requested.StatusCode);
        var shown = (await requested.Content.ReadFromJsonAsync<RunDetailDto>(Ct))!.Run;
        Assert.Equal(RunStatus.Running, shown.Status);
        Assert.NotNull(shown.CancelRequestedAt);

        Assert.Equal([run.Id], (await agent.HeartbeatAsync([run.Id])).CancelRunIds);
        Assert.Equal([run.Id], (await agent.SendEventsAsync(AgentKit.Progress(2, run.Id, DateTimeOffset.UtcNow, 5))).CancelRunIds);
        var ack = await agent.SendEventsAsync(AgentKit.Finished(3, run.Id, DateTimeOffset.UtcNow, RunStatus.Cancelled, 5, "cancelled by the hub"));
        Assert.Empty(ack.CancelRunIds);
        Assert.Equal(RunStatus.Cancelled, (await AgentKit.RunAsync(app, run.Id)).Status);
    }

    [Theory, DatabaseData]
    public async Task Another_retailers_agent_can_never_receive_or_touch_a_run(DatabaseProvider provider)
    {
        var app = await apps.GetAsync(provider);
        var owner = await app.CreateTenantAsync();
        var other = await app.CreateTenantAsync();
        var ownerAgent = await AgentKit.EnrollAgentAsync(owner);
        var intruder = await AgentKit.EnrollAgentAsync(other);
        var sameRetailerAgent = await AgentKit.EnrollAgentAsync(owner);
        var job = await AgentKit.AddJobAsync(owner, ownerAgent, "owner-secret");
        var run = await AgentKit.QueueRunAsync(app, job);

        Assert.Equal(HttpStatusCode.NoContent, (await intruder.PollAsync(wait: 1)).Status);
        Assert.Equal(HttpStatusCode.NoContent, (await sameRetailerAgent.PollAsync(wait: 0)).Status);
        Assert.Single((await ownerAgent.PollAsync(wait: 5)).Runs);

        // Events and log lines that name the run from other agents change nothing and land on no run.
        await intruder.SendEventsAsync(AgentKit.Started(1, run.Id, DateTimeOffset.UtcNow), AgentKit.Finished(2, run.Id, DateTimeOffset.UtcNow, RunStatus.Failed, 0, "intruder"));
        await sameRetailerAgent.SendEventsAsync(AgentKit.Finished(1, run.Id, DateTimeOffset.UtcNow, RunStatus.Succeeded, 0));
        await intruder.SendLogsAsync([new AgentLogLine(1, run.Id, DateTimeOffset.UtcNow, LogSeverity.Error, "x", "intruder line", null)]);
        var heartbeat = await intruder.HeartbeatAsync([run.Id]);
        Assert.Equal([run.Id], heartbeat.CancelRunIds); // "not yours, stop it" — and its lease is not renewed.
        await intruder.FlushHeartbeatsAsync();

        var stored = await AgentKit.RunAsync(app, run.Id);
        Assert.Equal((RunStatus.Dispatched, ownerAgent.Id), (stored.Status, stored.AgentId));
        Assert.Equal(2, stored.StatusChanges.Count);
        var lines = await app.QueryDbAsync(db => db.LogEntries.Where(l => l.AgentId == intruder.Id).ToListAsync(Ct));
        var line = Assert.Single(lines);
        Assert.Equal((other.RetailerId, (Guid?)null), (line.RetailerId, line.JobRunId));
    }

    [Theory, DatabaseData]
    public async Task A_run_spec_names_the_pinned_plugin_version_or_the_catalogs_newest_and_an_unknown_version_is_refused(DatabaseProvider provider)
    {
        var app = await apps.GetAsync(provider);
        var tenant = await app.CreateTenantAsync();
        var agent = await AgentKit.EnrollAgentAsync(tenant);
        var pluginId = $"test-source-{Guid.NewGuid():N}";
        await tenant.AddAsync(new Data.Entities.PluginPackage
        {
            Id = pluginId, Kind = PluginKind.Source, DisplayName = "Test source",
            Versions =
            [
                new Data.Entities.PluginVersion { PluginId = pluginId, Version = "1.10.0", Sha256 = new string('1', 64), MinimumAgentVersion = "1.0.0" },
                new Data.Entities.PluginVersion { PluginId = pluginId, Version = "1.9.0", Sha256 = new string('9', 64), MinimumAgentVersion = "1.0.0" },
            ],
        });
        var refused = await tenant.Admin.Client.PostAsJsonAsync("/api/v1/sources", new { name = "pinned", pluginId, pluginVersion = "3.0.0", agentId = agent.Id }, Ct);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("pluginVersion", await refused.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);

        var job = await AgentKit.AddJobAsync(tenant, agent, "pw");
        await app.WithDbAsync(db => db.Sources.Where(x => x.Id == job.SourceId).ExecuteUpdateAsync(x => x.SetProperty(y => y.PluginId, pluginId), Ct));
        var first = await AgentKit.QueueRunAsync(app, job);
        var newest = Assert.Single((await agent.PollAsync(wait: 5)).Runs).Source;
        Assert.Equal(("1.10.0", new string('1', 64)), (newest.Version, newest.Sha256));
        await agent.SendEventsAsync(AgentKit.Finished(1, first.Id, DateTimeOffset.UtcNow, RunStatus.Succeeded, 0));

        var pin = await tenant.Admin.Client.GetFromJsonAsync<System.Text.Json.Nodes.JsonObject>($"/api/v1/sources/{job.SourceId}", Ct);
        pin!["pluginVersion"] = "1.9.0";
        pin.Remove("secrets");
        Assert.Equal(HttpStatusCode.OK, (await tenant.Admin.Client.PutAsJsonAsync($"/api/v1/sources/{job.SourceId}", pin, Ct)).StatusCode);
        var run = await AgentKit.QueueRunAsync(app, job);
        var pinned = Assert.Single((await agent.PollAsync(wait: 5)).Runs);
        Assert.Equal((run.Id, "1.9.0", new string('9', 64)), (pinned.RunId, pinned.Source.Version, pinned.Source.Sha256));
        await agent.SendEventsAsync(AgentKit.Finished(2, run.Id, DateTimeOffset.UtcNow, RunStatus.Succeeded, 0));

        // A plugin the catalog does not know fails the run at dispatch with the reason, instead of reaching the agent.
        await app.WithDbAsync(db => db.Sources.Where(x => x.Id == job.SourceId).ExecuteUpdateAsync(x => x.SetProperty(y => y.PluginId, "no-such-plugin").SetProperty(y => y.PluginVersion, (string?)null), Ct));
        var doomed = await AgentKit.QueueRunAsync(app, job);
        Assert.Equal(HttpStatusCode.NoContent, (await agent.PollAsync(wait: 0)).Status);
        var failed = await AgentKit.RunAsync(app, doomed.Id);
        Assert.Equal(RunStatus.Failed, failed.Status);
        Assert.Contains("'no-such-plugin', which is not in the hub's plugin catalog", failed.Error, StringComparison.Ordinal);
    }
}
