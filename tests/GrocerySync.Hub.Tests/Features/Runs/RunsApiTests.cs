using System.Net;
using System.Net.Http.Json;
using GrocerySync.Contracts;
using GrocerySync.Hub.Data;
using GrocerySync.Hub.Data.Entities;
using GrocerySync.Hub.Features.Runs;
using GrocerySync.Hub.Tests.Infrastructure;

namespace GrocerySync.Hub.Tests.Features.Runs;

public sealed class RunsApiTests(HubApps apps)
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 8, 0, 0, TimeSpan.Zero);

    [Theory, DatabaseData]
    public async Task Runs_are_filtered_by_job_agent_status_trigger_and_queue_time(DatabaseProvider provider)
    {
        var app = await apps.GetAsync(provider);
        var tenant = await app.CreateTenantAsync();
        var nightly = await tenant.AddJobAsync();
        var hourly = await tenant.AddJobAsync();
        var failed = await AddRunAsync(tenant, nightly, RunStatus.Failed, RunTrigger.Schedule, T0);
        var manual = await AddRunAsync(tenant, nightly, RunStatus.Succeeded, RunTrigger.Manual, T0.AddHours(1));
        var other = await AddRunAsync(tenant, hourly, RunStatus.Succeeded, RunTrigger.Schedule, T0.AddHours(2));
        var client = tenant.Technician.Client;

        Assert.Equal([manual.Id, failed.Id], await ListIdsAsync(client, $"jobId={nightly.Id}"));
        Assert.Equal([other.Id], await ListIdsAsync(client, $"agentId={hourly.AgentId}"));
        Assert.Equal([failed.Id], await ListIdsAsync(client, "status=Failed"));
        Assert.Equal([manual.Id], await ListIdsAsync(client, "trigger=Manual"));
        Assert.Equal([manual.Id], await ListIdsAsync(client, $"queuedFrom={Iso(T0.AddHours(1))}&queuedTo={Iso(T0.AddHours(2))}"));
        Assert.Equal([other.Id], await ListIdsAsync(client, "search=" + Uri.EscapeDataString(hourly.Name)));
    }

    [Theory, DatabaseData]
    public async Task Runs_are_newest_queued_first_by_default_and_ordered_on_request(DatabaseProvider provider)
    {
        var app = await apps.GetAsync(provider);
        var tenant = await app.CreateTenantAsync();
        var job = await tenant.AddJobAsync();
        var first = await AddRunAsync(tenant, job, RunStatus.Succeeded, RunTrigger.Schedule, T0, finishedAfter: TimeSpan.FromMinutes(30));
        var second = await AddRunAsync(tenant, job, RunStatus.Failed, RunTrigger.Schedule, T0.AddMinutes(10), finishedAfter: TimeSpan.FromMinutes(5));
        var third = await AddRunAsync(tenant, job, RunStatus.Running, RunTrigger.Manual, T0.AddMinutes(20));
        var client = tenant.Admin.Client;

        Assert.Equal([third.Id, second.Id, first.Id], await ListIdsAsync(client, ""));
        Assert.Equal([first.Id, second.Id, third.Id], await ListIdsAsync(client, "ordering=queuedAt"));
        Assert.Equal([first.Id, second.Id], (await ListIdsAsync(client, "ordering=-finishedAt")).Where(id => id != third.Id));
        // Running (2) < Succeeded (3) < Failed (4): the enum's lifecycle order.
        Assert.Equal([third.Id, first.Id, second.Id], await ListIdsAsync(client, "ordering=status"));

        var unknown = await client.GetAsync("/api/v1/runs?ordering=error", TestContext.Current.CancellationToken);
        Assert.Contains("ordering", (await unknown.ReadFieldErrorsAsync()).Keys, StringComparer.OrdinalIgnoreCase);
    }

    [Theory, DatabaseData]
    public async Task A_run_comes_with_its_status_history_in_time_order_and_its_duration(DatabaseProvider provider)
    {
        var app = await apps.GetAsync(provider);
        var tenant = await app.CreateTenantAsync();
        var job = await tenant.AddJobAsync();
        var run = await AddRunAsync(tenant, job, RunStatus.Succeeded, RunTrigger.Manual, T0, finishedAfter: TimeSpan.FromSeconds(90));
        // Written out of order (agents deliver late through their outbox); the answer is ordered by time.
        await tenant.AddAsync(Change(tenant, run, RunStatus.Running, RunStatus.Succeeded, T0.AddSeconds(92), "Done"));
        await tenant.AddAsync(Change(tenant, run, null, RunStatus.Queued, T0, "Run now"));
        await tenant.AddAsync(Change(tenant, run, RunStatus.Dispatched, RunStatus.Running, T0.AddSeconds(2), null));
        await tenant.AddAsync(Change(tenant, run, RunStatus.Queued, RunStatus.Dispatched, T0.AddSeconds(1), null));

        var detail = await tenant.Technician.Client.GetFromJsonAsync<RunDetailDto>($"/api/v1/runs/{run.Id}", TestContext.Current.CancellationToken);

        Assert.Equal(job.Name, detail!.Run.JobName);
        Assert.Equal(90, detail.Run.DurationSeconds);
        Assert.Equal(
            [RunStatus.Queued, RunStatus.Dispatched, RunStatus.Running, RunStatus.Succeeded],
            detail.StatusChanges.Select(c => c.ToStatus));
        Assert.Equal([null, RunStatus.Queued, RunStatus.Dispatched, RunStatus.Running], detail.StatusChanges.Select(c => c.FromStatus));
        Assert.Equal("Run now", detail.StatusChanges[0].Reason);
    }

    [Theory, DatabaseData]
    public async Task A_run_that_has_not_finished_has_no_duration(DatabaseProvider provider)
    {
        var app = await apps.GetAsync(provider);
        var tenant = await app.CreateTenantAsync();
        var run = await AddRunAsync(tenant, await tenant.AddJobAsync(), RunStatus.Running, RunTrigger.Schedule, T0);

        var detail = await tenant.Technician.Client.GetFromJsonAsync<RunDetailDto>($"/api/v1/runs/{run.Id}", TestContext.Current.CancellationToken);

        Assert.Null(detail!.Run.DurationSeconds);
        Assert.Empty(detail.StatusChanges);
    }

    [Theory, DatabaseData]
    public async Task Another_retailers_run_answers_404_and_is_not_listed(DatabaseProvider provider)
    {
        var app = await apps.GetAsync(provider);
        var mine = await app.CreateTenantAsync();
        var theirs = await app.CreateTenantAsync();
        var theirJob = await theirs.AddJobAsync();
        var theirRun = await AddRunAsync(theirs, theirJob, RunStatus.Failed, RunTrigger.Schedule, T0);

        var response = await mine.Admin.Client.GetAsync($"/api/v1/runs/{theirRun.Id}", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Empty(await ListIdsAsync(mine.Admin.Client, $"jobId={theirJob.Id}"));
        Assert.Empty(await ListIdsAsync(mine.Admin.Client, $"retailerId={theirs.RetailerId}"));
        // The platform admin sees it, when asking for that retailer.
        Assert.Equal([theirRun.Id], await ListIdsAsync(app.PlatformAdmin.Client, $"retailerId={theirs.RetailerId}"));
    }

    internal static async Task<JobRun> AddRunAsync(TestTenant tenant, Job job, RunStatus status, RunTrigger trigger, DateTimeOffset queuedAt, TimeSpan? finishedAfter = null) =>
        await tenant.AddAsync(new JobRun
        {
            RetailerId = tenant.RetailerId,
            JobId = job.Id,
            AgentId = job.AgentId,
            Trigger = trigger,
            Status = status,
            QueuedAt = queuedAt,
            StartedAt = status >= RunStatus.Running ? queuedAt : null,
            FinishedAt = finishedAfter is { } after ? queuedAt + after : null,
            RecordsRead = 100,
        });

    private static JobRunStatusChange Change(TestTenant tenant, JobRun run, RunStatus? from, RunStatus to, DateTimeOffset at, string? reason) =>
        new() { RetailerId = tenant.RetailerId, JobRunId = run.Id, FromStatus = from, ToStatus = to, At = at, Reason = reason };

    private static async Task<List<Guid>> ListIdsAsync(HttpClient client, string query)
    {
        var page = await client.GetFromJsonAsync<PagedResult<RunDto>>($"/api/v1/runs?{query}", TestContext.Current.CancellationToken);
        Assert.Equal(page!.Items.Count, page.TotalCount);
        return [.. page.Items.Select(r => r.Id)];
    }

    private static string Iso(DateTimeOffset value) => Uri.EscapeDataString(value.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
}
