using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using GrocerySync.Contracts;
using GrocerySync.Hub.Data;
using GrocerySync.Hub.Data.Entities;
using GrocerySync.Hub.Features.Runs;
using GrocerySync.Hub.Tests.Features.Runs;
using GrocerySync.Hub.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace GrocerySync.Hub.Tests.Features.Jobs;

/// <summary>POST /jobs/{id}/run through RunQueue: one active run per job, audited, the dispatcher told after the commit.</summary>
public sealed class JobRunNowTests(HubApps apps)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory, DatabaseData]
    public async Task Technician_runs_a_job_now_and_gets_the_queued_run_with_its_reason_and_an_audit_entry(DatabaseProvider provider)
    {
        var app = await apps.GetAsync(provider);
        var tenant = await app.CreateTenantAsync(userMarker: "runner");
        var job = await tenant.AddJobAsync();

        var response = await tenant.Technician.Client.PostAsync($"/api/v1/jobs/{job.Id}/run", null, Ct);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var detail = (await response.Content.ReadFromJsonAsync<RunDetailDto>(Ct))!;
        Assert.Equal($"/api/v1/runs/{detail.Run.Id}", response.Headers.Location?.ToString());
        Assert.Equal((job.Id, job.AgentId, RunTrigger.Manual, RunStatus.Queued), (detail.Run.JobId, detail.Run.AgentId, detail.Run.Trigger, detail.Run.Status));
        var change = Assert.Single(detail.StatusChanges);
        Assert.Equal((null, RunStatus.Queued, "Run now by runner technician"), (change.FromStatus, change.ToStatus, change.Reason));

        var audit = await app.QueryDbAsync(db => db.AuditEvents.AsNoTracking().SingleAsync(e => e.EntityId == job.Id && e.Type == AuditEventType.JobRunRequested));
        Assert.Equal((tenant.Technician.Id, tenant.RetailerId, "Job"), (audit.ActorUserId, audit.RetailerId, audit.EntityType));
        Assert.Contains(detail.Run.Id.ToString(), audit.Changes, StringComparison.Ordinal);
    }

    [Theory, DatabaseData]
    public async Task Running_a_job_with_an_active_run_answers_409_with_the_active_runs_id_and_queues_nothing(DatabaseProvider provider)
    {
        var app = await apps.GetAsync(provider);
        var tenant = await app.CreateTenantAsync();
        var job = await tenant.AddJobAsync();
        var active = await RunsApiTests.AddRunAsync(tenant, job, RunStatus.Running, RunTrigger.Schedule, DateTimeOffset.UtcNow);

        var response = await tenant.Admin.Client.PostAsync($"/api/v1/jobs/{job.Id}/run", null, Ct);

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        Assert.Equal(active.Id, problem.RootElement.GetProperty("activeRunId").GetGuid());
        Assert.Equal(1, await app.QueryDbAsync(db => db.JobRuns.CountAsync(r => r.JobId == job.Id)));

        // Once the run has finished, the job runs again.
        await app.WithDbAsync(db => db.JobRuns.Where(r => r.Id == active.Id).ExecuteUpdateAsync(s => s.SetProperty(r => r.Status, RunStatus.Failed)));
        Assert.Equal(HttpStatusCode.Accepted, (await tenant.Admin.Client.PostAsync($"/api/v1/jobs/{job.Id}/run", null, Ct)).StatusCode);
    }

    [Theory, DatabaseData]
    public async Task Concurrent_run_now_requests_queue_exactly_one_run(DatabaseProvider provider)
    {
        var app = await apps.GetAsync(provider);
        var tenant = await app.CreateTenantAsync();
        var job = await tenant.AddJobAsync();
        var answers = new ConcurrentBag<(HttpStatusCode Status, string Body)>();

        await Task.WhenAll(Enumerable.Range(0, 12).Select(async i =>
        {
            var client = i % 2 == 0 ? tenant.Admin.Client : tenant.Technician.Client;
            var response = await client.PostAsync($"/api/v1/jobs/{job.Id}/run", null, Ct);
            answers.Add((response.StatusCode, await response.Content.ReadAsStringAsync(Ct)));
        }));

        var runIds = await app.QueryDbAsync(db => db.JobRuns.Where(r => r.JobId == job.Id).Select(r => r.Id).ToListAsync());
        var runId = Assert.Single(runIds);
        Assert.Single(answers, a => a.Status == HttpStatusCode.Accepted);
        Assert.All(answers.Where(a => a.Status != HttpStatusCode.Accepted), a =>
        {
            Assert.True(a.Status == HttpStatusCode.Conflict, $"{a.Status}: {a.Body}");
            Assert.Equal(runId, JsonDocument.Parse(a.Body).RootElement.GetProperty("activeRunId").GetGuid());
        });
    }

    [Theory, DatabaseData]
    public async Task The_database_refuses_a_second_active_run_of_one_job_but_keeps_any_number_of_finished_ones(DatabaseProvider provider)
    {
        var app = await apps.GetAsync(provider);
        var tenant = await app.CreateTenantAsync();
        var job = await tenant.AddJobAsync();
        await RunsApiTests.AddRunAsync(tenant, job, RunStatus.Succeeded, RunTrigger.Schedule, DateTimeOffset.UtcNow.AddHours(-2));
        await RunsApiTests.AddRunAsync(tenant, job, RunStatus.Failed, RunTrigger.Schedule, DateTimeOffset.UtcNow.AddHours(-1));
        await RunsApiTests.AddRunAsync(tenant, job, RunStatus.Dispatched, RunTrigger.Schedule, DateTimeOffset.UtcNow);

        await Assert.ThrowsAsync<DbUpdateException>(() => RunsApiTests.AddRunAsync(tenant, job, RunStatus.Queued, RunTrigger.Manual, DateTimeOffset.UtcNow));
    }

    [Theory, DatabaseData]
    public async Task Running_a_disabled_job_answers_409_and_a_paused_job_runs(DatabaseProvider provider)
    {
        var app = await apps.GetAsync(provider);
        var tenant = await app.CreateTenantAsync();
        var disabled = await tenant.AddJobAsync();
        var paused = await tenant.AddJobAsync();
        await app.WithDbAsync(async db =>
        {
            await db.Jobs.Where(j => j.Id == disabled.Id).ExecuteUpdateAsync(s => s.SetProperty(j => j.Enabled, false));
            await db.Jobs.Where(j => j.Id == paused.Id).ExecuteUpdateAsync(s => s.SetProperty(j => j.PausedAt, DateTimeOffset.UtcNow).SetProperty(j => j.PausedReason, "maintenance"));
        });

        var refused = await tenant.Admin.Client.PostAsync($"/api/v1/jobs/{disabled.Id}/run", null, Ct);
        Assert.Contains("disabled", await refused.ReadProblemDetailAsync(HttpStatusCode.Conflict), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Accepted, (await tenant.Admin.Client.PostAsync($"/api/v1/jobs/{paused.Id}/run", null, Ct)).StatusCode);
    }

    [Theory, DatabaseData]
    public async Task Running_another_retailers_job_answers_404_and_queues_nothing(DatabaseProvider provider)
    {
        var app = await apps.GetAsync(provider);
        var mine = await app.CreateTenantAsync();
        var theirs = await app.CreateTenantAsync();
        var theirJob = await theirs.AddJobAsync();

        Assert.Equal(HttpStatusCode.NotFound, (await mine.Technician.Client.PostAsync($"/api/v1/jobs/{theirJob.Id}/run", null, Ct)).StatusCode);
        Assert.Equal(0, await app.QueryDbAsync(db => db.JobRuns.CountAsync(r => r.JobId == theirJob.Id)));
    }

    [Theory, DatabaseData]
    public async Task The_dispatcher_is_told_of_a_queued_run_after_it_committed(DatabaseProvider provider)
    {
        var listener = new RecordingListener();
        await using var storage = await HubStorage.CreateAsync(provider);
        await using var app = await HubApp.StartAsync(storage, new HubAppOptions { Services = s => s.AddSingleton<IRunQueuedListener>(listener) });
        listener.App = app;
        var tenant = await app.CreateTenantAsync();
        var job = await tenant.AddJobAsync();

        var detail = await (await tenant.Technician.Client.PostAsync($"/api/v1/jobs/{job.Id}/run", null, Ct)).Content.ReadFromJsonAsync<RunDetailDto>(Ct);

        Assert.Equal([(job.AgentId, detail!.Run.Id, true)], listener.Calls);
    }

    /// <summary>Records each call, and whether another connection could already read the run (it had committed).</summary>
    private sealed class RecordingListener : IRunQueuedListener
    {
        public HubApp? App { get; set; }

        public ConcurrentQueue<(Guid AgentId, Guid RunId, bool Visible)> Calls { get; } = new();

        public void OnRunQueued(Guid agentId, Guid runId)
        {
            // The seam is synchronous (it only wakes long-polls), so the check reads synchronously, on a connection of its own.
            using var scope = App!.Services.CreateScope();
            scope.ServiceProvider.GetRequiredService<GrocerySync.Hub.Tenancy.CurrentUser>().SetSystem();
            var visible = scope.ServiceProvider.GetRequiredService<HubDbContext>().JobRuns.Any(r => r.Id == runId);
            Calls.Enqueue((agentId, runId, visible));
        }
    }
}
