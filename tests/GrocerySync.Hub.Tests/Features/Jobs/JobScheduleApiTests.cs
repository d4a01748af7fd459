using System.Net;
using System.Net.Http.Json;
using GrocerySync.Hub.Data;
using GrocerySync.Hub.Data.Entities;
using GrocerySync.Hub.Features.Jobs;
using GrocerySync.Hub.Features.Scheduling;
using GrocerySync.Hub.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace GrocerySync.Hub.Tests.Features.Jobs;

/// <summary>The schedule view, pause and resume, and the scheduler's trigger following every change of a job.</summary>
public sealed class JobScheduleApiTests(HubApps apps)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory, DatabaseData]
    public async Task The_schedule_lists_the_next_five_run_times_in_the_jobs_zone_with_offsets_and_in_utc(DatabaseProvider provider)
    {
        var app = await apps.GetAsync(provider);
        var tenant = await app.CreateTenantAsync();
        var job = await CreateAsync(tenant, "30 2 * * 1-5", "America/New_York");

        var schedule = await tenant.Technician.Client.GetFromJsonAsync<JobScheduleDto>($"/api/v1/jobs/{job.Id}/schedule", Ct);

        Assert.True(schedule!.Scheduled);
        Assert.Equal(5, schedule.NextRuns.Count);
        Assert.Equal(job.NextRunAt, schedule.NextRuns[0].Utc);
        var zone = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");
        Assert.All(schedule.NextRuns, t =>
        {
            Assert.Equal(TimeSpan.Zero, t.Utc.Offset);
            Assert.Equal(t.Utc, t.Local);
            Assert.Equal(zone.GetUtcOffset(t.Utc), t.Local.Offset);
            Assert.Equal(new TimeOnly(2, 30), TimeOnly.FromTimeSpan(t.Local.TimeOfDay));
            Assert.InRange(t.Local.DayOfWeek, DayOfWeek.Monday, DayOfWeek.Friday);
        });
        Assert.Equal(schedule.NextRuns.OrderBy(t => t.Utc).Distinct(), schedule.NextRuns);
        Assert.Equal(30, schedule.MaxConsecutiveFailures);
    }

    [Theory, DatabaseData]
    public async Task A_cron_expression_that_matches_no_date_answers_400_naming_it(DatabaseProvider provider)
    {
        var app = await apps.GetAsync(provider);
        var tenant = await app.CreateTenantAsync();
        var job = await tenant.AddJobAsync();

        var response = await tenant.Admin.Client.PostAsJsonAsync("/api/v1/jobs", Create(job.AgentId, job.SourceId, job.DestinationId, "0 0 30 2 *", null), Ct);

        Assert.Contains("cronExpression", (await response.ReadFieldErrorsAsync()).Keys);
    }

    [Theory, DatabaseData]
    public async Task Pausing_stops_the_schedule_with_its_reason_and_resuming_starts_it_again_and_resets_the_failure_count(DatabaseProvider provider)
    {
        var app = await apps.GetAsync(provider);
        var tenant = await app.CreateTenantAsync(userMarker: "ops");
        var job = await CreateAsync(tenant, "0 3 * * *", null);
        await app.WithDbAsync(db => db.Jobs.Where(j => j.Id == job.Id).ExecuteUpdateAsync(s => s.SetProperty(j => j.ConsecutiveFailures, 7)));

        var paused = await (await tenant.Admin.Client.PostAsJsonAsync($"/api/v1/jobs/{job.Id}/pause", new { reason = "destination maintenance" }, Ct)).Content.ReadFromJsonAsync<JobDto>(Ct);
        Assert.Equal("Paused by ops admin: destination maintenance", paused!.PausedReason);
        Assert.NotNull(paused.PausedAt);
        Assert.Null(paused.NextRunAt);
        Assert.Empty(await TriggersAsync(app, job.Id));
        var schedule = await tenant.Technician.Client.GetFromJsonAsync<JobScheduleDto>($"/api/v1/jobs/{job.Id}/schedule", Ct);
        Assert.Equal((false, "Paused by ops admin: destination maintenance", 0), (schedule!.Scheduled, schedule.PausedReason, schedule.NextRuns.Count));

        // Pausing again keeps the first pause (as stored: PostgreSQL keeps microseconds).
        var stored = await tenant.Admin.Client.GetFromJsonAsync<JobDto>($"/api/v1/jobs/{job.Id}", Ct);
        var again = await (await tenant.Admin.Client.PostAsJsonAsync($"/api/v1/jobs/{job.Id}/pause", new { }, Ct)).Content.ReadFromJsonAsync<JobDto>(Ct);
        Assert.Equal((stored!.PausedAt, paused.PausedReason), (again!.PausedAt, again.PausedReason));

        var resumed = await (await tenant.Admin.Client.PostAsync($"/api/v1/jobs/{job.Id}/resume", null, Ct)).Content.ReadFromJsonAsync<JobDto>(Ct);
        Assert.Equal((null, null, 0), (resumed!.PausedAt, resumed.PausedReason, resumed.ConsecutiveFailures));
        Assert.NotNull(resumed.NextRunAt);
        Assert.Equal([resumed.NextRunAt!.Value], await TriggersAsync(app, job.Id));

        var audit = await app.QueryDbAsync(db => db.AuditEvents.AsNoTracking().Where(e => e.EntityId == job.Id && e.Type >= AuditEventType.JobPaused).OrderBy(e => e.Id).ToListAsync());
        Assert.Equal([AuditEventType.JobPaused, AuditEventType.JobResumed], audit.Select(e => e.Type));
        Assert.All(audit, e => Assert.Equal(tenant.Admin.Id, e.ActorUserId));
        Assert.Contains("destination maintenance", audit[0].Changes, StringComparison.Ordinal);
    }

    [Theory, DatabaseData]
    public async Task Technicians_may_not_pause_or_resume(DatabaseProvider provider)
    {
        var app = await apps.GetAsync(provider);
        var tenant = await app.CreateTenantAsync();
        var job = await tenant.AddJobAsync();

        Assert.Equal(HttpStatusCode.Forbidden, (await tenant.Technician.Client.PostAsJsonAsync($"/api/v1/jobs/{job.Id}/pause", new { }, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await tenant.Technician.Client.PostAsync($"/api/v1/jobs/{job.Id}/resume", null, Ct)).StatusCode);
    }

    [Theory, DatabaseData]
    public async Task The_trigger_follows_every_change_of_the_job(DatabaseProvider provider)
    {
        var app = await apps.GetAsync(provider);
        var tenant = await app.CreateTenantAsync();
        var job = await CreateAsync(tenant, "0 3 * * *", "Europe/Amsterdam");
        Assert.Equal([job.NextRunAt!.Value], await TriggersAsync(app, job.Id));
        Assert.Equal(new TimeOnly(3, 0), TimeOnly.FromTimeSpan(JobSchedule.InZone(job.NextRunAt.Value, "Europe/Amsterdam").TimeOfDay));

        var moved = await UpdateAsync(tenant, job, o => o with { CronExpression = "45 4 * * *" });
        Assert.Equal(new TimeOnly(4, 45), TimeOnly.FromTimeSpan(JobSchedule.InZone(moved.NextRunAt!.Value, "Europe/Amsterdam").TimeOfDay));
        Assert.Equal([moved.NextRunAt.Value], await TriggersAsync(app, job.Id));

        var renamed = await UpdateAsync(tenant, moved, o => o with { Name = o.Name + " renamed" });
        Assert.Equal(moved.NextRunAt, renamed.NextRunAt);

        var disabled = await UpdateAsync(tenant, renamed, o => o with { Enabled = false });
        Assert.Null(disabled.NextRunAt);
        Assert.Empty(await TriggersAsync(app, job.Id));

        var enabled = await UpdateAsync(tenant, disabled, o => o with { Enabled = true });
        Assert.Equal([enabled.NextRunAt!.Value], await TriggersAsync(app, job.Id));

        Assert.Equal(HttpStatusCode.NoContent, (await tenant.Admin.Client.DeleteAsync($"/api/v1/jobs/{job.Id}", Ct)).StatusCode);
        Assert.Empty(await TriggersAsync(app, job.Id));
    }

    [Theory, DatabaseData]
    public async Task The_reconciler_repairs_a_trigger_that_does_not_match_the_jobs_table(DatabaseProvider provider)
    {
        var app = await apps.GetAsync(provider);
        var tenant = await app.CreateTenantAsync();
        var job = await CreateAsync(tenant, "0 3 * * *", null);
        var triggers = app.Services.GetRequiredService<JobTriggers>();
        await triggers.SetAsync(job.Id, null, Ct);
        var gone = await CreateAsync(tenant, "0 4 * * *", null);
        await app.WithDbAsync(db => db.Jobs.Where(j => j.Id == gone.Id).ExecuteDeleteAsync());

        await app.Services.GetRequiredService<ScheduleReconciler>().ReconcileAsync(atStart: false, Ct);

        Assert.Equal([job.NextRunAt!.Value], await TriggersAsync(app, job.Id));
        Assert.Empty(await TriggersAsync(app, gone.Id));
    }

    private static async Task<IReadOnlyList<DateTimeOffset>> TriggersAsync(HubApp app, Guid jobId) =>
        (await app.Services.GetRequiredService<JobTriggers>().ListAsync(Ct)).GetValueOrDefault(jobId) ?? [];

    private static async Task<JobDto> CreateAsync(TestTenant tenant, string cron, string? timeZone)
    {
        var agent = await tenant.AddAgentAsync();
        var source = await tenant.AddSourceAsync(agent);
        var destination = await tenant.AddDestinationAsync();
        var response = await tenant.Admin.Client.PostAsJsonAsync("/api/v1/jobs", Create(agent.Id, source.Id, destination.Id, cron, timeZone), Ct);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JobDto>(Ct))!;
    }

    private static async Task<JobDto> UpdateAsync(TestTenant tenant, JobDto job, Func<UpdateJobRequest, UpdateJobRequest> change)
    {
        var request = change(new UpdateJobRequest
        {
            Name = job.Name,
            AgentId = job.AgentId,
            SourceId = job.SourceId,
            DestinationId = job.DestinationId,
            AdapterPluginId = job.AdapterPluginId,
            CronExpression = job.CronExpression,
            TimeZone = job.TimeZone,
            Enabled = job.Enabled,
            Version = job.Version,
        });
        var response = await tenant.Admin.Client.PutAsJsonAsync($"/api/v1/jobs/{job.Id}", request, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JobDto>(Ct))!;
    }

    private static object Create(Guid agentId, Guid sourceId, Guid destinationId, string cron, string? timeZone) => new
    {
        name = TestTenant.Unique("job"),
        agentId,
        sourceId,
        destinationId,
        adapterPluginId = "grocerysync.adapter.google-merchant",
        cronExpression = cron,
        timeZone,
    };
}
