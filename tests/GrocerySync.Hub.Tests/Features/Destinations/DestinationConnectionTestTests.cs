using System.Net;
using System.Net.Http.Json;
using GrocerySync.Contracts;
using GrocerySync.Contracts.Agents;
using GrocerySync.Hub.Data;
using GrocerySync.Hub.Data.Entities;
using GrocerySync.Hub.Features.Destinations;
using GrocerySync.Hub.Features.Dispatch;
using GrocerySync.Hub.Tests.Features.Dispatch;
using GrocerySync.Hub.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace GrocerySync.Hub.Tests.Features.Destinations;

/// <summary>
/// Destination connection tests end to end through the real endpoints: a user asks, the hub picks the agent, the
/// agent's work poll gets the test with the secrets, its answer updates the destination and the audit trail.
/// </summary>
public sealed class DestinationConnectionTestTests(HubApps apps)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory, DatabaseData]
    public async Task A_technicians_test_runs_on_the_agent_that_delivers_to_the_destination_and_its_answer_updates_the_destination(DatabaseProvider provider)
    {
        var app = await apps.GetAsync(provider);
        var tenant = await app.CreateTenantAsync();
        var bystander = await AgentKit.OnlineAgentAsync(tenant);
        var owner = await AgentKit.OnlineAgentAsync(tenant);
        var secret = $"s3cret-{Guid.NewGuid():N}";
        var job = await AgentKit.AddJobAsync(tenant, owner, secret);
        var before = await DestinationAsync(tenant, job.DestinationId);

        // The bystander heartbeats last, yet the agent whose job delivers to the destination is preferred.
        await bystander.HeartbeatAsync();
        await bystander.FlushHeartbeatsAsync();

        // The owner's poll is waiting; the request wakes it long before its 30 s.
        var poll = owner.PollWorkAsync(wait: 30);
        await Task.Delay(300, Ct);
        Assert.False(poll.IsCompleted);
        var response = await tenant.Technician.Client.PostAsync($"/api/v1/destinations/{job.DestinationId}/test", null, Ct);
        var test = await AcceptedAsync(response);
        Assert.Equal($"/api/v1/destinations/{job.DestinationId}/tests/{test.Id}", response.Headers.Location?.OriginalString);
        Assert.Equal((ConnectionTestStatus.Pending, owner.Id, job.DestinationId), (test.Status, test.AgentId, test.DestinationId));

        var (status, work) = await poll.WaitAsync(TimeSpan.FromSeconds(20), Ct);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Empty(work.Runs);
        var spec = Assert.Single(work.ConnectionTests);
        Assert.Equal((test.Id, before.Name, "folder"), (spec.TestId, spec.DestinationName, spec.Destination.PluginId));
        Assert.Equal(("/srv/out", secret), (spec.Destination.Settings["folder"], spec.Destination.Settings["destinationToken"]));
        var catalogHash = await app.QueryDbAsync(db => db.PluginVersions.Where(v => v.PluginId == "folder" && v.Version == spec.Destination.Version).Select(v => v.Sha256).SingleAsync(Ct));
        Assert.Equal(catalogHash, spec.Destination.Sha256);

        // Handed out once, to the owner only.
        Assert.Equal(HttpStatusCode.NoContent, (await bystander.PollWorkAsync(wait: 0)).Status);
        Assert.Equal(HttpStatusCode.NoContent, (await owner.PollWorkAsync(wait: 0)).Status);
        Assert.Equal(ConnectionTestStatus.Dispatched, (await GetTestAsync(tenant.Technician, job.DestinationId, test.Id)).Status);

        Assert.True((await AcknowledgementAsync(await owner.ReportTestAsync(test.Id, true, "/srv/out is writable."))).Recorded);
        var after = await DestinationAsync(tenant, job.DestinationId);
        Assert.Equal((ConnectionStatus.Ok, "/srv/out is writable."), (after.ConnectionStatus, after.LastTestMessage));
        Assert.NotNull(after.LastTestedAt);
        Assert.Equal((before.Version, before.UpdatedAt), (after.Version, after.UpdatedAt));
        var done = await GetTestAsync(tenant.Technician, job.DestinationId, test.Id);
        Assert.Equal((ConnectionTestStatus.Succeeded, "/srv/out is writable."), (done.Status, done.Message));
        Assert.NotNull(done.FinishedAt);

        // A second answer is acknowledged and changes nothing.
        Assert.False((await AcknowledgementAsync(await owner.ReportTestAsync(test.Id, false, "changed its mind"))).Recorded);
        var unchanged = await DestinationAsync(tenant, job.DestinationId);
        Assert.Equal((ConnectionStatus.Ok, "/srv/out is writable."), (unchanged.ConnectionStatus, unchanged.LastTestMessage));

        // One audit entry, by the agent, for whom it was run; no secret.
        var entry = Assert.Single(await AuditAsync(app, job.DestinationId));
        Assert.Equal((owner.Id, (Guid?)null, (Guid?)tenant.RetailerId), (entry.ActorAgentId, entry.ActorUserId, entry.RetailerId));
        Assert.Contains(test.Id.ToString(), entry.Changes, StringComparison.Ordinal);
        Assert.Contains(tenant.Technician.Id.ToString(), entry.Changes, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, entry.Changes, StringComparison.Ordinal);

        // The result was no edit: an update based on the version read before the test goes through.
        var update = await tenant.Admin.Client.PutAsJsonAsync($"/api/v1/destinations/{job.DestinationId}", new { name = before.Name, pluginId = before.PluginId, settings = before.Settings, version = before.Version }, Ct);
        Assert.Equal(HttpStatusCode.OK, update.StatusCode);
    }

    [Theory, DatabaseData]
    public async Task An_agent_with_every_run_slot_busy_still_gets_connection_tests_but_no_runs(DatabaseProvider provider)
    {
        var app = await apps.GetAsync(provider);
        var tenant = await app.CreateTenantAsync();
        var agent = await AgentKit.OnlineAgentAsync(tenant);
        var job = await AgentKit.AddJobAsync(tenant, agent, "pw");
        var run = await AgentKit.QueueRunAsync(app, job);
        var test = await AcceptedAsync(await RequestAsync(tenant.Technician, job.DestinationId, agent.Id));

        var (status, work) = await agent.PollWorkAsync(wait: 5, maxRuns: 0);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(test.Id, Assert.Single(work.ConnectionTests).TestId);
        Assert.Empty(work.Runs);
        Assert.Equal(RunStatus.Queued, (await AgentKit.RunAsync(app, run.Id)).Status);
    }

    [Theory, DatabaseData]
    public async Task A_failed_answer_marks_the_destination_Failed_with_the_agents_message_bounded_and_without_secret_values(DatabaseProvider provider)
    {
        var app = await apps.GetAsync(provider);
        var tenant = await app.CreateTenantAsync();
        var agent = await AgentKit.OnlineAgentAsync(tenant);
        var secret = $"s3cret-{Guid.NewGuid():N}";
        var job = await AgentKit.AddJobAsync(tenant, agent, secret);

        var test = await AcceptedAsync(await RequestAsync(tenant.Technician, job.DestinationId, agent.Id));
        Assert.Equal(test.Id, Assert.Single((await agent.PollWorkAsync(wait: 5)).Work.ConnectionTests).TestId);
        var said = $"530 Login incorrect for token {secret}. " + new string('x', 5000);
        Assert.True((await AcknowledgementAsync(await agent.ReportTestAsync(test.Id, false, said))).Recorded);

        var destination = await DestinationAsync(tenant, job.DestinationId);
        Assert.Equal(ConnectionStatus.Failed, destination.ConnectionStatus);
        Assert.StartsWith("530 Login incorrect for token ***. xxx", destination.LastTestMessage, StringComparison.Ordinal);
        Assert.Equal(2000, destination.LastTestMessage!.Length);
        var failed = await GetTestAsync(tenant.Technician, job.DestinationId, test.Id);
        Assert.Equal((ConnectionTestStatus.Failed, destination.LastTestMessage), (failed.Status, failed.Message));
        var entry = Assert.Single(await AuditAsync(app, job.DestinationId));
        Assert.Contains("Failed", entry.Changes, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, entry.Changes, StringComparison.Ordinal);
    }

    [Theory, DatabaseData]
    public async Task Without_an_online_agent_of_the_retailer_the_test_answers_409_and_nothing_is_queued(DatabaseProvider provider)
    {
        var app = await apps.GetAsync(provider);
        var tenant = await app.CreateTenantAsync();
        var destination = await tenant.AddDestinationAsync();
        var pending = await AgentKit.EnrollAgentAsync(tenant);
        var revoked = await AgentKit.OnlineAgentAsync(tenant);
        Assert.Equal(HttpStatusCode.OK, (await tenant.Admin.Client.PostAsync($"/api/v1/agents/{revoked.Id}/revoke", null, Ct)).StatusCode);
        await AgentKit.OnlineAgentAsync(await app.CreateTenantAsync());

        Assert.Equal(ConnectionTestService.NoAgentOnline, await (await RequestAsync(tenant.Technician, destination.Id)).ReadProblemDetailAsync(HttpStatusCode.Conflict));
        Assert.Contains("is pending", await (await RequestAsync(tenant.Technician, destination.Id, pending.Id)).ReadProblemDetailAsync(HttpStatusCode.Conflict), StringComparison.Ordinal);
        Assert.Contains("is revoked", await (await RequestAsync(tenant.Technician, destination.Id, revoked.Id)).ReadProblemDetailAsync(HttpStatusCode.Conflict), StringComparison.Ordinal);

        var stored = await app.QueryDbAsync(db => db.Destinations.AsNoTracking().SingleAsync(d => d.Id == destination.Id, Ct));
        Assert.Equal((ConnectionStatus.Untested, (DateTimeOffset?)null, destination.Version), (stored.ConnectionStatus, stored.LastTestedAt, stored.Version));
        Assert.False(await app.QueryDbAsync(db => db.ConnectionTests.AnyAsync(t => t.DestinationId == destination.Id, Ct)));
    }

    [Theory, DatabaseData]
    public async Task Another_retailers_agent_reads_as_no_agent_at_all(DatabaseProvider provider)
    {
        var app = await apps.GetAsync(provider);
        var tenant = await app.CreateTenantAsync();
        var destination = await tenant.AddDestinationAsync();
        var foreign = await AgentKit.OnlineAgentAsync(await app.CreateTenantAsync());

        var unknown = await (await RequestAsync(tenant.Technician, destination.Id, Guid.NewGuid())).ReadFieldErrorsAsync();
        Assert.Equal([ConnectionTestService.NoSuchAgent], unknown["agentId"]);
        foreach (var caller in new[] { tenant.Technician, tenant.Admin, app.PlatformAdmin })
        {
            var errors = await (await RequestAsync(caller, destination.Id, foreign.Id)).ReadFieldErrorsAsync();
            Assert.Equal(unknown.Keys, errors.Keys);
            Assert.Equal(unknown["agentId"], errors["agentId"]);
        }

        Assert.False(await app.QueryDbAsync(db => db.ConnectionTests.AnyAsync(t => t.DestinationId == destination.Id || t.AgentId == foreign.Id, Ct)));
    }

    [Theory, DatabaseData]
    public async Task Only_the_agent_a_test_was_given_to_can_answer_it(DatabaseProvider provider)
    {
        var app = await apps.GetAsync(provider);
        var tenant = await app.CreateTenantAsync();
        var owner = await AgentKit.OnlineAgentAsync(tenant);
        var colleague = await AgentKit.OnlineAgentAsync(tenant);
        var stranger = await AgentKit.OnlineAgentAsync(await app.CreateTenantAsync());
        var job = await AgentKit.AddJobAsync(tenant, owner, "pw");
        var test = await AcceptedAsync(await RequestAsync(tenant.Technician, job.DestinationId, owner.Id));
        Assert.Single((await owner.PollWorkAsync(wait: 5)).Work.ConnectionTests);

        // Another agent of the retailer, another retailer's agent, or an unknown id: all alike, 404.
        Assert.Equal(HttpStatusCode.NotFound, (await colleague.ReportTestAsync(test.Id, true, "not mine")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.ReportTestAsync(test.Id, true, "not mine")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await owner.ReportTestAsync(Guid.NewGuid(), true, "no such test")).StatusCode);
        Assert.Equal(ConnectionTestStatus.Dispatched, (await GetTestAsync(tenant.Technician, job.DestinationId, test.Id)).Status);
        Assert.Equal(ConnectionStatus.Untested, (await DestinationAsync(tenant, job.DestinationId)).ConnectionStatus);
        Assert.Empty(await AuditAsync(app, job.DestinationId));

        // Nor can a user read the test through another destination.
        var other = await tenant.AddDestinationAsync();
        Assert.Equal(HttpStatusCode.NotFound, (await tenant.Technician.Client.GetAsync($"/api/v1/destinations/{other.Id}/tests/{test.Id}", Ct)).StatusCode);

        Assert.True((await AcknowledgementAsync(await owner.ReportTestAsync(test.Id, true, "ok"))).Recorded);
        Assert.Equal(ConnectionStatus.Ok, (await DestinationAsync(tenant, job.DestinationId)).ConnectionStatus);
    }

    [Theory, DatabaseData]
    public async Task An_answer_about_settings_changed_since_the_agent_got_them_is_kept_on_the_test_but_not_on_the_destination(DatabaseProvider provider)
    {
        var app = await apps.GetAsync(provider);
        var tenant = await app.CreateTenantAsync();
        var agent = await AgentKit.OnlineAgentAsync(tenant);
        var job = await AgentKit.AddJobAsync(tenant, agent, "pw");
        var test = await AcceptedAsync(await RequestAsync(tenant.Technician, job.DestinationId));
        Assert.Single((await agent.PollWorkAsync(wait: 5)).Work.ConnectionTests);
        var read = await DestinationAsync(tenant, job.DestinationId);
        var changed = await tenant.Admin.Client.PutAsJsonAsync($"/api/v1/destinations/{job.DestinationId}", new { name = read.Name, pluginId = read.PluginId, settings = new { folder = "/srv/elsewhere" }, version = read.Version }, Ct);
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);

        Assert.True((await AcknowledgementAsync(await agent.ReportTestAsync(test.Id, true, "/srv/out is writable."))).Recorded);
        Assert.Equal(ConnectionTestStatus.Succeeded, (await GetTestAsync(tenant.Technician, job.DestinationId, test.Id)).Status);
        var destination = await DestinationAsync(tenant, job.DestinationId);
        Assert.Equal((ConnectionStatus.Untested, (DateTimeOffset?)null), (destination.ConnectionStatus, destination.LastTestedAt));
    }

    [Theory, DatabaseData]
    public async Task A_test_of_a_destination_whose_plugin_is_not_in_the_catalog_fails_when_it_would_be_handed_out(DatabaseProvider provider)
    {
        var app = await apps.GetAsync(provider);
        var tenant = await app.CreateTenantAsync();
        var agent = await AgentKit.OnlineAgentAsync(tenant);
        var destination = await tenant.AddDestinationAsync();
        var test = await AcceptedAsync(await RequestAsync(tenant.Technician, destination.Id));

        Assert.Equal(HttpStatusCode.NoContent, (await agent.PollWorkAsync(wait: 0)).Status);
        var failed = await GetTestAsync(tenant.Technician, destination.Id, test.Id);
        Assert.Equal(ConnectionTestStatus.Failed, failed.Status);
        Assert.Contains("not in the hub's plugin catalog", failed.Message, StringComparison.Ordinal);
        Assert.Equal(ConnectionStatus.Untested, (await DestinationAsync(tenant, destination.Id)).ConnectionStatus);
    }

    [Theory, DatabaseData]
    public async Task A_test_nobody_answers_fails_when_it_expires_and_a_late_answer_changes_nothing(DatabaseProvider provider)
    {
        var (app, clock) = await AgentKit.StartFakeClockHubAsync(provider);
        await using var _ = app;
        var tenant = await app.CreateTenantAsync();
        var agent = await AgentKit.OnlineAgentAsync(tenant);
        var job = await AgentKit.AddJobAsync(tenant, agent, "pw");
        var sweeper = app.Services.GetRequiredService<LeaseSweeper>();
        var timeout = app.Services.GetRequiredService<IOptions<RunOptions>>().Value.ConnectionTestTimeout;

        // One test taken by the agent but never answered, one it never asked for.
        var taken = await AcceptedAsync(await RequestAsync(tenant.Technician, job.DestinationId));
        Assert.Single((await agent.PollWorkAsync(wait: 5)).Work.ConnectionTests);
        var waiting = await AcceptedAsync(await RequestAsync(tenant.Technician, job.DestinationId));
        Assert.Equal(taken.RequestedAt + timeout, taken.ExpiresAt);

        clock.Advance(timeout - TimeSpan.FromSeconds(1));
        await sweeper.RunOnceAsync(Ct);
        Assert.Equal(ConnectionTestStatus.Dispatched, (await GetTestAsync(tenant.Technician, job.DestinationId, taken.Id)).Status);
        Assert.Equal(ConnectionTestStatus.Pending, (await GetTestAsync(tenant.Technician, job.DestinationId, waiting.Id)).Status);

        clock.Advance(TimeSpan.FromSeconds(2));
        await sweeper.RunOnceAsync(Ct);
        var unanswered = await GetTestAsync(tenant.Technician, job.DestinationId, taken.Id);
        var notTaken = await GetTestAsync(tenant.Technician, job.DestinationId, waiting.Id);
        Assert.Equal((ConnectionTestStatus.Failed, ConnectionTestStatus.Failed), (unanswered.Status, notTaken.Status));
        Assert.StartsWith($"No agent answered within {timeout.TotalSeconds:0} s: the agent took the test but sent no result", unanswered.Message, StringComparison.Ordinal);
        Assert.StartsWith($"No agent answered within {timeout.TotalSeconds:0} s: the agent did not ask for work", notTaken.Message, StringComparison.Ordinal);
        Assert.Equal((DateTimeOffset?)clock.GetUtcNow(), unanswered.FinishedAt);

        // Nothing was tested: the destination keeps its status, and the late answer is only acknowledged.
        Assert.False((await AcknowledgementAsync(await agent.ReportTestAsync(taken.Id, true, "late"))).Recorded);
        Assert.Equal(ConnectionTestStatus.Failed, (await GetTestAsync(tenant.Technician, job.DestinationId, taken.Id)).Status);
        Assert.Equal(ConnectionStatus.Untested, (await DestinationAsync(tenant, job.DestinationId)).ConnectionStatus);
        Assert.Empty(await AuditAsync(app, job.DestinationId));
    }

    private static Task<HttpResponseMessage> RequestAsync(TestUser user, Guid destinationId, Guid? agentId = null) =>
        agentId is null
            ? user.Client.PostAsync($"/api/v1/destinations/{destinationId}/test", null, Ct)
            : user.Client.PostAsJsonAsync($"/api/v1/destinations/{destinationId}/test", new { agentId }, Ct);

    private static async Task<ConnectionTestDto> AcceptedAsync(HttpResponseMessage response)
    {
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"Expected 202, got {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(Ct)}");
        return (await response.Content.ReadFromJsonAsync<ConnectionTestDto>(Ct))!;
    }

    private static async Task<ConnectionTestAcknowledgement> AcknowledgementAsync(HttpResponseMessage response)
    {
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"Expected 200, got {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(Ct)}");
        return (await response.Content.ReadFromJsonAsync<ConnectionTestAcknowledgement>(Ct))!;
    }

    private static async Task<ConnectionTestDto> GetTestAsync(TestUser user, Guid destinationId, Guid testId) =>
        (await user.Client.GetFromJsonAsync<ConnectionTestDto>($"/api/v1/destinations/{destinationId}/tests/{testId}", Ct))!;

    private static async Task<DestinationDto> DestinationAsync(TestTenant tenant, Guid destinationId) =>
        (await tenant.Technician.Client.GetFromJsonAsync<DestinationDto>($"/api/v1/destinations/{destinationId}", Ct))!;

    private static Task<List<AuditEvent>> AuditAsync(HubApp app, Guid destinationId) =>
        app.QueryDbAsync(db => db.AuditEvents.AsNoTracking().Where(e => e.Type == AuditEventType.DestinationConnectionTested && e.EntityId == destinationId).ToListAsync(Ct));
}
