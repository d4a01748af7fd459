using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using GrocerySync.Contracts;
using GrocerySync.Contracts.Agents;
using GrocerySync.Hub.Data.Entities;
using GrocerySync.Hub.Data;
using GrocerySync.Hub.Features.Agents;
using GrocerySync.Hub.Features.Dispatch;
using GrocerySync.Hub.Features.Runs;
using GrocerySync.Hub.Security;
using GrocerySync.Hub.Tenancy;
using GrocerySync.Hub.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Time.Testing;

namespace GrocerySync.Hub.Tests.Features.Dispatch;

/// <summary>An enrolled agent speaking the protocol through the real HTTP endpoints.</summary>
internal sealed class TestAgent(HubApp app, Agent agent, string apiKey)
{
    public static readonly AgentIdentity Identity = new("1.0.0", "Debian GNU/Linux 12 (x64)", "store-17");

    public HubApp App => app;

    public Agent Agent => agent;

    public Guid Id => agent.Id;

    public string ApiKey => apiKey;

    public Guid EventOutbox { get; } = Guid.NewGuid();

    public Guid LogOutbox { get; } = Guid.NewGuid();

    public HttpClient Client { get; } = WithKey(app.CreateAnonymousClient(), apiKey);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static HttpClient WithKey(HttpClient client, string key)
    {
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        client.Timeout = TimeSpan.FromSeconds(100);
        return client;
    }

    public async Task<HeartbeatResponse> HeartbeatAsync(IReadOnlyList<Guid>? running = null, AgentIdentity? identity = null)
    {
        var response = await Client.PostAsJsonAsync("/" + AgentRoutes.Heartbeat, new HeartbeatRequest(identity ?? Identity, [new AgentPluginInfo("folder", "1.0.0")], running ?? [], 0), Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<HeartbeatResponse>(Ct))!;
    }

    /// <summary>The work poll's status and runs (empty on 204).</summary>
    public async Task<(HttpStatusCode Status, IReadOnlyList<RunSpec> Runs)> PollAsync(int wait, int? maxRuns = null)
    {
        var (status, work) = await PollWorkAsync(wait, maxRuns);
        return (status, work.Runs);
    }

    /// <summary>The work poll's status and whole answer: runs and connection tests (both empty on 204).</summary>
    public async Task<(HttpStatusCode Status, WorkResponse Work)> PollWorkAsync(int wait, int? maxRuns = null)
    {
        var limit = maxRuns is { } m ? $"&{AgentRoutes.MaxRunsQuery}={m}" : string.Empty;
        var response = await Client.GetAsync($"/{AgentRoutes.Work}?{AgentRoutes.WaitSecondsQuery}={wait}{limit}", Ct);
        return response.StatusCode == HttpStatusCode.OK
            ? (response.StatusCode, (await response.Content.ReadFromJsonAsync<WorkResponse>(Ct))!)
            : (response.StatusCode, new WorkResponse([]));
    }

    /// <summary>Posts a connection test's outcome as this agent.</summary>
    public Task<HttpResponseMessage> ReportTestAsync(Guid testId, bool success, string? message) =>
        Client.PostAsJsonAsync($"/{AgentRoutes.ConnectionTests}/{testId}/result", new ConnectionTestReport(success, message), Ct);

    public async Task<BatchAcknowledgement> SendEventsAsync(params RunEvent[] events)
    {
        var response = await Client.PostAsJsonAsync("/" + AgentRoutes.Events, new EventBatch(EventOutbox, events), Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<BatchAcknowledgement>(Ct))!;
    }

    public async Task<BatchAcknowledgement> SendLogsAsync(IReadOnlyList<AgentLogLine> lines, long dropped = 0)
    {
        var response = await Client.PostAsJsonAsync("/" + AgentRoutes.Logs, new LogBatch(LogOutbox, lines, dropped), Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<BatchAcknowledgement>(Ct))!;
    }

    /// <summary>Writes the buffered heartbeats now instead of at the next flush.</summary>
    public Task FlushHeartbeatsAsync() => app.Services.GetRequiredService<HeartbeatWriter>().FlushAsync(Ct);
}

/// <summary>Builders for the dispatch tests: enrolled agents, jobs whose plugins are in the catalog, queued runs.</summary>
internal static class AgentKit
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A fresh hub with a fake clock (starting now) and the background services' loops effectively off, so the test drives them.</summary>
    public static async Task<(HubApp App, FakeTimeProvider Clock)> StartFakeClockHubAsync(DatabaseProvider provider, HubAppOptions? options = null)
    {
        var clock = NewClock();
        return (await HubApp.StartAsync(provider, (options ?? new HubAppOptions()) with { Time = clock }), clock);
    }

    /// <summary>A fake clock at the current whole second.</summary>
    public static FakeTimeProvider NewClock()
    {
        // Whole seconds: PostgreSQL keeps microseconds, so boundary checks compare the instants the test set.
        var now = DateTimeOffset.UtcNow;
        return new FakeTimeProvider(new DateTimeOffset(now.Ticks - now.Ticks % TimeSpan.TicksPerSecond, TimeSpan.Zero));
    }

    /// <summary>Creates an agent through the API as the tenant's technician, gets a token and enrolls with it.</summary>
    public static async Task<TestAgent> EnrollAgentAsync(TestTenant tenant, int heartbeatIntervalSeconds = 30)
    {
        var created = await tenant.Technician.Client.PostAsJsonAsync("/api/v1/agents", new { name = TestTenant.Unique("agent"), heartbeatIntervalSeconds }, Ct);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var agent = (await created.Content.ReadFromJsonAsync<AgentDto>(Ct))!;
        var token = await CreateTokenAsync(tenant.Technician, agent.Id);
        var enrolled = await EnrollAsync(tenant.App, token.Token);
        Assert.Equal(HttpStatusCode.OK, enrolled.StatusCode);
        var key = (await enrolled.Content.ReadFromJsonAsync<EnrollResponse>(Ct))!;
        var entity = await tenant.App.QueryDbAsync(db => db.Agents.FindAsync([agent.Id], Ct).AsTask());
        return new TestAgent(tenant.App, entity!, key.ApiKey);
    }

    /// <summary>An enrolled agent that has sent its first heartbeat, so it is Online.</summary>
    public static async Task<TestAgent> OnlineAgentAsync(TestTenant tenant)
    {
        var agent = await EnrollAgentAsync(tenant);
        await agent.HeartbeatAsync();
        await agent.FlushHeartbeatsAsync();
        return agent;
    }

    public static async Task<EnrollmentTokenDto> CreateTokenAsync(TestUser user, Guid agentId)
    {
        var response = await user.Client.PostAsync($"/api/v1/agents/{agentId}/enrollment-token", null, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<EnrollmentTokenDto>(Ct))!;
    }

    public static Task<HttpResponseMessage> EnrollAsync(HubApp app, string token) =>
        app.CreateAnonymousClient().PostAsJsonAsync("/" + AgentRoutes.Enroll, new EnrollRequest(token, TestAgent.Identity), Ct);

    /// <summary>A job of the agent with catalog plugins (delimited-file → google-merchant → folder), each connection with a secret.</summary>
    public static async Task<Job> AddJobAsync(TestTenant tenant, TestAgent agent, string secret, int timeoutSeconds = 3600)
    {
        var protector = tenant.App.Services.GetRequiredService<SecretProtector>();
        var source = await tenant.AddAsync(new Source
        {
            RetailerId = tenant.RetailerId, Name = TestTenant.Unique("source"), PluginId = "delimited-file", AgentId = agent.Id,
            Settings = """{"path":"/data/catalog.csv","hasHeader":true,"batchSize":500}""",
            EncryptedSecrets = protector.Protect(new Dictionary<string, string> { ["sourcePassword"] = secret }), SecretNames = "sourcePassword",
        });
        var destination = await tenant.AddAsync(new Destination
        {
            RetailerId = tenant.RetailerId, Name = TestTenant.Unique("destination"), PluginId = "folder",
            Settings = """{"folder":"/srv/out"}""",
            EncryptedSecrets = protector.Protect(new Dictionary<string, string> { ["destinationToken"] = secret }), SecretNames = "destinationToken",
        });
        return await tenant.AddAsync(new Job
        {
            RetailerId = tenant.RetailerId, Name = TestTenant.Unique("job"), AgentId = agent.Id, SourceId = source.Id, DestinationId = destination.Id,
            AdapterPluginId = "google-merchant", CronExpression = "0 3 * * *", TimeZone = "Europe/Amsterdam", TimeoutSeconds = timeoutSeconds,
            Filters = """{"departments":["dairy"],"activeOnly":true}""",
        });
    }

    /// <summary>
    /// Queues a run through RunQueue as run-now does (the job must have no active run); with <paramref name="signal"/>
    /// false this replica's long-polls are not told, as for a run queued on another replica.
    /// </summary>
    public static async Task<JobRun> QueueRunAsync(HubApp app, Job job, bool signal = true)
    {
        await using var scope = app.Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<CurrentUser>().SetSystem();
        var listeners = signal ? scope.ServiceProvider.GetServices<IRunQueuedListener>() : [];
        var queue = ActivatorUtilities.CreateInstance<RunQueue>(scope.ServiceProvider, listeners);
        var result = await queue.EnqueueAsync(job.Id, RunTrigger.Manual, "run now", occurrence: null, Ct);
        Assert.Equal(EnqueueStatus.Queued, result.Status);
        return result.Run!;
    }

    public static Task<JobRun> RunAsync(HubApp app, Guid runId) =>
        app.QueryDbAsync(async db => (await db.JobRuns.AsNoTracking().Include(r => r.StatusChanges).SingleAsync(r => r.Id == runId, Ct)));

    public static RunEvent Started(long sequence, Guid runId, DateTimeOffset at) => new(sequence, runId, RunEventKind.Started, at, null, null, null);

    public static RunEvent Progress(long sequence, Guid runId, DateTimeOffset at, long read) => new(sequence, runId, RunEventKind.Progress, at, new RunCounts(read, read / 2, read / 2, 0, read * 10), null, null);

    public static RunEvent Finished(long sequence, Guid runId, DateTimeOffset at, RunStatus status, long read, string? message = null) =>
        new(sequence, runId, RunEventKind.Finished, at, new RunCounts(read, read / 2, read / 2, 1, read * 10), status, message);
}
