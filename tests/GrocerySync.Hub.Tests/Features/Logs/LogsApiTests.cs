using System.Net;
using System.Net.Http.Json;
using GrocerySync.Contracts;
using GrocerySync.Hub.Data;
using GrocerySync.Hub.Data.Entities;
using GrocerySync.Hub.Features.Logs;
using GrocerySync.Hub.Tests.Features.Runs;
using GrocerySync.Hub.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace GrocerySync.Hub.Tests.Features.Logs;

public sealed class LogsApiTests(HubApps apps)
{
    // In the future: the retention sweep test, which may run meanwhile on the same hub, deletes every retailer's old lines.
    private static readonly DateTimeOffset T0 = new(2036, 3, 1, 8, 0, 0, TimeSpan.Zero);

    [Theory, DatabaseData]
    public async Task Paging_after_reads_every_line_once_oldest_first(DatabaseProvider provider)
    {
        var app = await apps.GetAsync(provider);
        var tenant = await app.CreateTenantAsync();
        var run = await AddRunAsync(tenant);
        var written = await AddLinesAsync(tenant, run, count: 25);

        var read = new List<long>();
        var pages = 0;
        long? after = null;
        do
        {
            var page = await GetPageAsync(tenant.Technician.Client, $"runId={run.Id}&limit=10" + (after is null ? "" : $"&after={after}"));
            Assert.Null(page.NextBefore);
            read.AddRange(page.Items.Select(e => e.Id));
            after = page.NextAfter;
            pages++;
        }
        while (after is not null);

        Assert.Equal(3, pages);
        Assert.Equal(written.Order(), read);
    }

    [Theory, DatabaseData]
    public async Task Paging_before_reads_every_line_once_newest_first(DatabaseProvider provider)
    {
        var app = await apps.GetAsync(provider);
        var tenant = await app.CreateTenantAsync();
        var run = await AddRunAsync(tenant);
        var written = await AddLinesAsync(tenant, run, count: 20);

        var read = new List<long>();
        var pages = 0;
        long? before = long.MaxValue;
        do
        {
            var page = await GetPageAsync(tenant.Technician.Client, $"runId={run.Id}&limit=7&before={before}");
            Assert.Null(page.NextAfter);
            read.AddRange(page.Items.Select(e => e.Id));
            before = page.NextBefore;
            pages++;
        }
        while (before is not null);

        Assert.Equal(3, pages);
        Assert.Equal(written.OrderDescending(), read);
    }

    [Theory, DatabaseData]
    public async Task A_page_that_ends_exactly_at_the_last_line_says_there_is_no_next_page(DatabaseProvider provider)
    {
        var app = await apps.GetAsync(provider);
        var tenant = await app.CreateTenantAsync();
        var run = await AddRunAsync(tenant);
        await AddLinesAsync(tenant, run, count: 10);

        var page = await GetPageAsync(tenant.Technician.Client, $"runId={run.Id}&limit=10");

        Assert.Equal(10, page.Items.Count);
        Assert.Null(page.NextAfter);
    }

    [Theory, DatabaseData]
    public async Task Log_lines_are_filtered_by_minimum_level_text_agent_run_and_time(DatabaseProvider provider)
    {
        var app = await apps.GetAsync(provider);
        var tenant = await app.CreateTenantAsync();
        var run = await AddRunAsync(tenant);
        var otherRun = await AddRunAsync(tenant);
        var info = await AddLineAsync(tenant, run, T0, LogSeverity.Information, "Read 1200 records");
        var warning = await AddLineAsync(tenant, run, T0.AddMinutes(1), LogSeverity.Warning, "Row 17 REJECTED: bad GTIN");
        var error = await AddLineAsync(tenant, run, T0.AddMinutes(2), LogSeverity.Error, "Upload failed");
        var agentLine = (await WriteAsync(tenant, new LogRow(tenant.RetailerId, otherRun.AgentId, null, T0, LogSeverity.Debug, "Agent", "Heartbeat sent", null)))[0];
        var client = tenant.Technician.Client;

        Assert.Equal([warning, error], await ListIdsAsync(client, $"runId={run.Id}&level=Warning"));
        Assert.Equal([warning], await ListIdsAsync(client, $"runId={run.Id}&text=rejected"));
        Assert.Equal([agentLine], await ListIdsAsync(client, $"agentId={otherRun.AgentId}"));
        Assert.Equal([info, warning], await ListIdsAsync(client, $"runId={run.Id}&from={Iso(T0)}&to={Iso(T0.AddMinutes(2))}"));
        Assert.Equal([info, warning, error], await ListIdsAsync(client, $"runId={run.Id}"));
    }

    [Theory, DatabaseData]
    public async Task Lines_of_interleaved_batches_page_in_id_order_both_ways_by_run_agent_level_and_time(DatabaseProvider provider)
    {
        var app = await apps.GetAsync(provider);
        var tenant = await app.CreateTenantAsync();
        var first = await AddRunAsync(tenant);
        var second = await AddRunAsync(tenant);
        Assert.NotEqual(first.AgentId, second.AgentId);

        // 45 batches, each with lines of both runs interleaved and a line of the first run's agent about no run: more
        // segments per run and agent than one query fetches. Every tenth batch arrives late, its lines an hour old.
        for (var b = 0; b < 45; b++)
        {
            var at = T0.AddMinutes(b) - (b % 10 == 9 ? TimeSpan.FromHours(1) : TimeSpan.Zero);
            var rows = new List<LogRow>();
            for (var i = 0; i < 3; i++)
            {
                var level = i == 1 ? LogSeverity.Warning : LogSeverity.Information;
                rows.Add(new LogRow(tenant.RetailerId, first.AgentId, first.Id, at.AddSeconds(i), level, "GrocerySync.Sync", $"first {b}.{i}", null));
                rows.Add(new LogRow(tenant.RetailerId, second.AgentId, second.Id, at.AddSeconds(i), level, "GrocerySync.Sync", $"second {b}.{i}", null));
            }

            rows.Add(new LogRow(tenant.RetailerId, first.AgentId, null, at, LogSeverity.Debug, "Agent", $"agent {b}", null));
            await WriteAsync(tenant, [.. rows]);
        }

        var all = await app.QueryDbAsync(db => db.LogEntries.AsNoTracking().Where(l => l.RetailerId == tenant.RetailerId).OrderBy(l => l.Id).ToListAsync(TestContext.Current.CancellationToken));
        Assert.Equal(45 * 7, all.Count);
        var (from, to) = (T0.AddMinutes(-50), T0.AddMinutes(20));
        var cases = new (string Query, Func<LogEntry, bool> Matches)[]
        {
            ($"runId={first.Id}", l => l.JobRunId == first.Id),
            ($"agentId={first.AgentId}", l => l.AgentId == first.AgentId),
            ($"runId={second.Id}&level=Warning", l => l.JobRunId == second.Id && l.Level >= LogSeverity.Warning),
            ($"from={Iso(from)}&to={Iso(to)}", l => l.Timestamp >= from && l.Timestamp < to),
            ($"agentId={first.AgentId}&from={Iso(from)}&text=agent", l => l.AgentId == first.AgentId && l.Timestamp >= from && l.Message.Contains("agent")),
        };
        foreach (var (query, matches) in cases)
        {
            var expected = all.Where(matches).Select(l => l.Id).ToList();
            Assert.True(expected.Count > 7, query);
            Assert.Equal(expected, await ReadAllPagesAsync(tenant.Technician.Client, query, newestFirst: false));
            Assert.Equal(expected.AsEnumerable().Reverse(), await ReadAllPagesAsync(tenant.Technician.Client, query, newestFirst: true));
        }
    }

    [Theory, DatabaseData]
    public async Task Limit_and_cursor_mistakes_answer_400(DatabaseProvider provider)
    {
        var app = await apps.GetAsync(provider);
        var tenant = await app.CreateTenantAsync();
        var client = tenant.Technician.Client;
        var ct = TestContext.Current.CancellationToken;

        Assert.Contains("limit", (await (await client.GetAsync("/api/v1/logs?limit=1001", ct)).ReadFieldErrorsAsync()).Keys, StringComparer.OrdinalIgnoreCase);
        Assert.Contains("limit", (await (await client.GetAsync("/api/v1/logs?limit=0", ct)).ReadFieldErrorsAsync()).Keys, StringComparer.OrdinalIgnoreCase);
        Assert.Contains("before", (await (await client.GetAsync("/api/v1/logs?after=1&before=9", ct)).ReadFieldErrorsAsync()).Keys, StringComparer.OrdinalIgnoreCase);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/v1/logs?limit=1000", ct)).StatusCode);
    }

    [Theory, DatabaseData]
    public async Task Run_log_downloads_as_a_text_attachment_with_one_line_per_entry(DatabaseProvider provider)
    {
        var app = await apps.GetAsync(provider);
        var tenant = await app.CreateTenantAsync();
        var run = await AddRunAsync(tenant);
        var otherRun = await AddRunAsync(tenant);
        await AddLineAsync(tenant, run, T0.AddMilliseconds(5), LogSeverity.Information, "Read 1200 records");
        await AddLineAsync(tenant, otherRun, T0.AddSeconds(1), LogSeverity.Information, "Not this run");
        await AddLineAsync(tenant, run, T0.AddSeconds(2), LogSeverity.Error, "Upload failed\nat Sftp.Put()\r\nat Sync.Run()");

        var response = await tenant.Technician.Client.GetAsync($"/api/v1/runs/{run.Id}/log", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal("utf-8", response.Content.Headers.ContentType.CharSet);
        Assert.Equal("attachment", response.Content.Headers.ContentDisposition!.DispositionType);
        Assert.Equal($"run-{run.Id}.log", response.Content.Headers.ContentDisposition.FileName);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.Equal(
            "2036-03-01T08:00:00.005Z Information GrocerySync.Sync Read 1200 records\n"
            + "2036-03-01T08:00:02.000Z Error GrocerySync.Sync Upload failed\\nat Sftp.Put()\\nat Sync.Run()\n",
            text);
    }

    [Theory, DatabaseData]
    public async Task Another_retailers_log_lines_are_absent_and_their_run_log_answers_404(DatabaseProvider provider)
    {
        var app = await apps.GetAsync(provider);
        var mine = await app.CreateTenantAsync();
        var theirs = await app.CreateTenantAsync();
        var theirRun = await AddRunAsync(theirs);
        var theirLine = await AddLineAsync(theirs, theirRun, T0, LogSeverity.Error, "Their secret-ish failure");
        var ct = TestContext.Current.CancellationToken;

        Assert.Equal(HttpStatusCode.NotFound, (await mine.Admin.Client.GetAsync($"/api/v1/runs/{theirRun.Id}/log", ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await mine.Admin.Client.GetAsync($"/api/v1/runs/{Guid.NewGuid()}/log", ct)).StatusCode);
        Assert.Empty(await ListIdsAsync(mine.Admin.Client, $"runId={theirRun.Id}"));
        Assert.Empty(await ListIdsAsync(mine.Admin.Client, $"retailerId={theirs.RetailerId}"));
        Assert.DoesNotContain(theirLine, await ListIdsAsync(mine.Admin.Client, $"after={theirLine - 1}&limit=1000"));
        Assert.Equal([theirLine], await ListIdsAsync(app.PlatformAdmin.Client, $"runId={theirRun.Id}"));
    }

    private static async Task<JobRun> AddRunAsync(TestTenant tenant) =>
        await RunsApiTests.AddRunAsync(tenant, await tenant.AddJobAsync(), RunStatus.Running, RunTrigger.Schedule, T0);

    /// <summary>Writes each line on its own, as agents' batches arrive, so that each is a segment of its own.</summary>
    private static async Task<List<long>> AddLinesAsync(TestTenant tenant, JobRun run, int count)
    {
        var ids = new List<long>();
        for (var i = 0; i < count; i++)
        {
            ids.Add(await AddLineAsync(tenant, run, T0.AddSeconds(i), LogSeverity.Information, $"Line {i}"));
        }

        return ids;
    }

    private static async Task<long> AddLineAsync(TestTenant tenant, JobRun run, DateTimeOffset at, LogSeverity level, string message) =>
        (await WriteAsync(tenant, new LogRow(tenant.RetailerId, run.AgentId, run.Id, at, level, "GrocerySync.Sync", message, null)))[0];

    private static async Task<long[]> WriteAsync(TestTenant tenant, params LogRow[] rows)
    {
        long[] ids = [];
        await tenant.App.WithDbAsync(async db => ids = await LogWriter.WriteAsync(db, rows, TestContext.Current.CancellationToken));
        return ids;
    }

    /// <summary>Every page of the query, 7 lines at a time: oldest first by 'after', or newest first by 'before'.</summary>
    private static async Task<List<long>> ReadAllPagesAsync(HttpClient client, string query, bool newestFirst)
    {
        var read = new List<long>();
        long? cursor = newestFirst ? long.MaxValue : null;
        do
        {
            var page = await GetPageAsync(client, $"{query}&limit=7" + (cursor is null ? "" : newestFirst ? $"&before={cursor}" : $"&after={cursor}"));
            read.AddRange(page.Items.Select(e => e.Id));
            cursor = newestFirst ? page.NextBefore : page.NextAfter;
        }
        while (cursor is not null);
        return read;
    }

    private static async Task<LogPage> GetPageAsync(HttpClient client, string query) =>
        (await client.GetFromJsonAsync<LogPage>($"/api/v1/logs?{query}", TestContext.Current.CancellationToken))!;

    private static async Task<List<long>> ListIdsAsync(HttpClient client, string query) =>
        [.. (await GetPageAsync(client, query)).Items.Select(e => e.Id)];

    private static string Iso(DateTimeOffset value) => Uri.EscapeDataString(value.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
}
