using System.Net.Http.Json;
using GrocerySync.Contracts;
using GrocerySync.Contracts.Agents;
using GrocerySync.Hub.Data;
using GrocerySync.Hub.Data.Entities;
using GrocerySync.Hub.Features.Logs;
using GrocerySync.Hub.Tests.Features.Dispatch;
using GrocerySync.Hub.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace GrocerySync.Hub.Tests.Features.Logs;

public sealed class LogIngestTests(HubApps apps)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory, DatabaseData]
    public async Task A_log_batch_is_stored_once_when_resent_and_dropped_lines_are_recorded(DatabaseProvider provider)
    {
        var app = await apps.GetAsync(provider);
        var tenant = await app.CreateTenantAsync();
        var agent = await AgentKit.EnrollAgentAsync(tenant);
        var job = await AgentKit.AddJobAsync(tenant, agent, "pw");
        var run = await AgentKit.QueueRunAsync(app, job);
        var at = new DateTimeOffset(2026, 3, 1, 8, 0, 0, TimeSpan.FromHours(1));
        var lines = Enumerable.Range(1, 500)
            .Select(i => new AgentLogLine(i, i % 2 == 0 ? run.Id : null, at.AddMilliseconds(i), i == 7 ? LogSeverity.Error : LogSeverity.Information, "GrocerySync.Sync", $"line {i}", i == 7 ? """{"row":7}""" : null))
            .ToList();

        Assert.Equal(300, (await agent.SendLogsAsync(lines[..300])).AcknowledgedSequence);
        // Resent with the rest (the first answer was lost), and again, and twice at once: each line is stored once.
        Assert.Equal(500, (await agent.SendLogsAsync(lines, dropped: 42)).AcknowledgedSequence);
        Assert.Equal(500, (await agent.SendLogsAsync(lines, dropped: 42)).AcknowledgedSequence);
        await Task.WhenAll(agent.SendLogsAsync(lines, dropped: 42), agent.SendLogsAsync(lines, dropped: 42));

        var stored = await app.QueryDbAsync(db => db.LogEntries.AsNoTracking().Where(l => l.AgentId == agent.Id).OrderBy(l => l.Id).ToListAsync(Ct));
        Assert.Equal(501, stored.Count);
        var agentLines = stored.Where(l => l.Category == "GrocerySync.Sync").ToList();
        Assert.Equal(Enumerable.Range(1, 500).Select(i => $"line {i}"), agentLines.Select(l => l.Message));
        Assert.All(agentLines, l => Assert.Equal(tenant.RetailerId, l.RetailerId));
        Assert.Equal(250, agentLines.Count(l => l.JobRunId == run.Id));
        var seven = agentLines[6];
        Assert.Equal((LogSeverity.Error, """{"row":7}""", at.AddMilliseconds(7).UtcTicks), (seven.Level, seven.Properties, seven.Timestamp.UtcTicks));
        var dropped = Assert.Single(stored, l => l.Category == LogIngest.HubCategory);
        Assert.Equal(LogSeverity.Warning, dropped.Level);
        Assert.Contains("dropped 42 log lines", dropped.Message, StringComparison.Ordinal);

        // The read API finds them by run, as users see them.
        var page = await tenant.Technician.Client.GetFromJsonAsync<LogPage>($"/api/v1/logs?runId={run.Id}&limit=1000", Ct);
        Assert.Equal(250, page!.Items.Count);
    }

    [Theory, DatabaseData]
    public async Task The_retention_sweep_deletes_lines_past_the_retailers_age_and_count_limits_and_old_finished_runs(DatabaseProvider provider)
    {
        var app = await apps.GetAsync(provider);
        var tenant = await app.CreateTenantAsync();
        var bystander = await app.CreateTenantAsync();
        var agent = await tenant.AddAgentAsync();
        var now = DateTimeOffset.UtcNow;
        var retention = $"/api/v1/retailers/{tenant.RetailerId}/retention";
        var refused = await tenant.Admin.Client.PutAsJsonAsync(retention, new { logRetentionDays = 0, logRetentionMaxLines = 50, runRetentionDays = 30 }, Ct);
        Assert.Contains("logRetentionDays", (await refused.ReadFieldErrorsAsync()).Keys, StringComparer.OrdinalIgnoreCase);
        (await tenant.Admin.Client.PutAsJsonAsync(retention, new { logRetentionDays = 7, logRetentionMaxLines = 50, runRetentionDays = 30 }, Ct)).EnsureSuccessStatusCode();
        Assert.Equal(new RetentionPolicyDto(tenant.RetailerId, 7, 50, 30), await tenant.Admin.Client.GetFromJsonAsync<RetentionPolicyDto>(retention, Ct));
        await app.WithDbAsync(async db =>
        {
            // Three writes, so three segments of the tenant's agent: one only of old lines (deleted whole), one of old
            // and recent lines (the old go by age, the oldest recent by count) and one only of recent lines.
            var old = new List<LogRow>();
            var mixed = new List<LogRow>();
            for (var i = 0; i < 30; i++)
            {
                (i < 20 ? old : mixed).Add(new LogRow(tenant.RetailerId, agent.Id, null, now.AddDays(-8).AddMinutes(i), LogSeverity.Information, "c", $"old {i}", null));
                old.Add(new LogRow(bystander.RetailerId, null, null, now.AddDays(-8).AddMinutes(i), LogSeverity.Information, "c", $"bystander {i}", null));
            }

            var recent = new List<LogRow>();
            for (var i = 0; i < 80; i++)
            {
                (i < 40 ? mixed : recent).Add(new LogRow(tenant.RetailerId, agent.Id, null, now.AddHours(-1).AddSeconds(i), LogSeverity.Information, "c", $"recent {i}", null));
            }

            await LogWriter.WriteAsync(db, old, Ct);
            await LogWriter.WriteAsync(db, mixed, Ct);
            await LogWriter.WriteAsync(db, recent, Ct);
        });
        var job = await tenant.AddJobAsync(agent);
        var oldRun = await tenant.AddAsync(new JobRun { RetailerId = tenant.RetailerId, JobId = job.Id, AgentId = agent.Id, Status = RunStatus.Succeeded, QueuedAt = now.AddDays(-40), FinishedAt = now.AddDays(-40) });
        var newRun = await tenant.AddAsync(new JobRun { RetailerId = tenant.RetailerId, JobId = job.Id, AgentId = agent.Id, Status = RunStatus.Succeeded, QueuedAt = now.AddDays(-2), FinishedAt = now.AddDays(-2) });

        await app.Services.GetRequiredService<RetentionSweeper>().RunOnceAsync(Ct);

        var left = await app.QueryDbAsync(db => db.LogEntries.AsNoTracking().Where(l => l.RetailerId == tenant.RetailerId).OrderBy(l => l.Id).Select(l => l.Message).ToListAsync(Ct));
        Assert.Equal(Enumerable.Range(30, 50).Select(i => $"recent {i}"), left);
        Assert.Equal(30, await app.QueryDbAsync(db => db.LogEntries.CountAsync(l => l.RetailerId == bystander.RetailerId, Ct)));
        var segments = await app.QueryDbAsync(db => db.LogSegments.AsNoTracking().Where(s => s.RetailerId == tenant.RetailerId).CountAsync(Ct));
        Assert.Equal(2, segments);
        var page = await tenant.Technician.Client.GetFromJsonAsync<LogPage>($"/api/v1/logs?agentId={agent.Id}&limit=1000", Ct);
        Assert.Equal(left, page!.Items.Select(l => l.Message));
        var window = await tenant.Technician.Client.GetFromJsonAsync<LogPage>(
            $"/api/v1/logs?from={Uri.EscapeDataString(now.AddDays(-9).ToString("O"))}&to={Uri.EscapeDataString(now.AddHours(-1).AddSeconds(45).ToString("O"))}&limit=1000", Ct);
        Assert.Equal(Enumerable.Range(30, 15).Select(i => $"recent {i}"), window!.Items.Select(l => l.Message));
        var runs = await app.QueryDbAsync(db => db.JobRuns.Where(r => r.JobId == job.Id).Select(r => r.Id).ToListAsync(Ct));
        Assert.Equal([newRun.Id], runs);
        Assert.DoesNotContain(oldRun.Id, runs);
    }
}
