using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using GrocerySync.Contracts;
using GrocerySync.Hub.Data.Entities;
using GrocerySync.Hub.Features.Agents;
using GrocerySync.Hub.Features.Jobs;
using GrocerySync.Hub.Features.Logs;
using GrocerySync.Hub.Features.Runs;
using GrocerySync.Hub.Tests.Infrastructure;
using GrocerySync.Tests.Shared;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace GrocerySync.Hub.Tests.EndToEnd;

/// <summary>
/// A retailer on a <see cref="KestrelHub"/> configured through the REST API as its retailer admin (agent, a
/// delimited-file source, a folder destination, a google-merchant job), and the folders of the real agent that
/// serves it: its config folder, the export it reads and the folder it writes the feed to.
/// </summary>
internal sealed class RealPair : IAsyncDisposable
{
    public const string Header = "sku,gtin,name,brand,regularPrice,quantityOnHand,active,imageUrl,productUrl";

    private readonly List<AgentChildProcess> _agents = [];
    private HttpClient? _admin;
    private HubApp? _adminOf;

    private RealPair(KestrelHub hub, TestTenant tenant, string root)
    {
        Hub = hub;
        Tenant = tenant;
        Root = root;
    }

    public KestrelHub Hub { get; }

    public TestTenant Tenant { get; }

    public string Root { get; }

    public string AgentDir => Path.Combine(Root, "agent");

    public string SourcePath => Path.Combine(Root, "export", "catalog.csv");

    public string OutFolder => Path.Combine(Root, "out");

    public string FeedPath => Path.Combine(OutFolder, "feed.tsv");

    public Guid AgentId { get; private set; }

    public Guid JobId { get; private set; }

    /// <summary>The retailer admin, with a client of the hub that runs now (a restarted hub is a new app).</summary>
    public HttpClient Admin
    {
        get
        {
            if (!ReferenceEquals(_adminOf, Hub.App))
            {
                _admin?.Dispose();
                _admin = HubApp.ClientFor(Hub.App, Tenant.Admin);
                _adminOf = Hub.App;
            }

            return _admin!;
        }
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Creates the retailer and, through the API, its agent, source, destination and job.</summary>
    public static async Task<RealPair> CreateAsync(KestrelHub hub, string cron = "0 3 * * *", string timeZone = "Europe/Amsterdam")
    {
        var tenant = await hub.App.CreateTenantAsync();
        var pair = new RealPair(hub, tenant, Directory.CreateTempSubdirectory("gs-e2e-").FullName);
        Directory.CreateDirectory(Path.GetDirectoryName(pair.SourcePath)!);
        var admin = pair.Admin;

        var agent = await CreatedAsync<AgentDto>(await admin.PostAsJsonAsync("/api/v1/agents", new { name = TestTenant.Unique("store-agent"), heartbeatIntervalSeconds = KestrelHub.HeartbeatIntervalSeconds }, Ct));
        var source = await CreatedAsync<JsonElement>(await admin.PostAsJsonAsync("/api/v1/sources", new
        {
            name = TestTenant.Unique("export"),
            pluginId = "delimited-file",
            agentId = agent.Id,
            settings = new { path = pair.SourcePath },
        }, Ct));
        var destination = await CreatedAsync<JsonElement>(await admin.PostAsJsonAsync("/api/v1/destinations", new
        {
            name = TestTenant.Unique("feed-folder"),
            pluginId = "folder",
            settings = new { path = pair.OutFolder, fileName = "feed.tsv" },
        }, Ct));
        var job = await CreatedAsync<JobDto>(await admin.PostAsJsonAsync("/api/v1/jobs", new
        {
            name = TestTenant.Unique("merchant-feed"),
            agentId = agent.Id,
            sourceId = source.GetProperty("id").GetGuid(),
            destinationId = destination.GetProperty("id").GetGuid(),
            adapterPluginId = "google-merchant",
            cronExpression = cron,
            timeZone,
            syncMode = "Delta",
        }, Ct));
        pair.AgentId = agent.Id;
        pair.JobId = job.Id;
        return pair;
    }

    // ---- the agent ----

    /// <summary>A new one-time enrollment token for the agent, through the API.</summary>
    public async Task<EnrollmentTokenDto> NewTokenAsync()
    {
        var response = await Admin.PostAsync($"/api/v1/agents/{AgentId}/enrollment-token", null, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<EnrollmentTokenDto>(Ct))!;
    }

    /// <summary><c>gsagent enroll --hub URL --token T --config-dir DIR --output json</c>.</summary>
    public Task<(int ExitCode, string Stdout, string Stderr)> EnrollAsync(string token, string? configDir = null) =>
        AgentChildProcess.RunAsync(["enroll", "--hub", Hub.Url.ToString(), "--token", token, "--config-dir", configDir ?? AgentDir, "--output", "json"], workingDirectory: Root);

    /// <summary>Enrolls the agent with a new token and fails the test if that does not work.</summary>
    public async Task EnrollAsync()
    {
        var (code, stdout, stderr) = await EnrollAsync((await NewTokenAsync()).Token);
        Assert.True(code == 0, $"enroll exited {code}: {stderr}");
        using var doc = JsonDocument.Parse(stdout);
        Assert.Equal(AgentId, doc.RootElement.GetProperty("agentId").GetGuid());
    }

    /// <summary>Starts <c>gsagent run --config-dir DIR</c> with short waits (and <paramref name="settings"/>); the pair kills it at the end.</summary>
    public AgentChildProcess StartAgent(params (string Name, string Value)[] settings)
    {
        var environment = new Dictionary<string, string>(AgentChildProcess.FastSettings);
        foreach (var (name, value) in settings)
        {
            environment[name] = value;
        }

        var agent = AgentChildProcess.Start(["run", "--config-dir", AgentDir], environment, Root);
        _agents.Add(agent);
        return agent;
    }

    /// <summary>Waits until the hub shows the agent online (its heartbeats arrive).</summary>
    public Task WaitOnlineAsync(AgentChildProcess agent) =>
        Poll.UntilAsync(async () => (await GetAsync<AgentDto>($"/api/v1/agents/{AgentId}")).Status == AgentStatus.Online, "the agent to be online", agent);

    /// <summary>
    /// Rows of the agent's outbox (<c>events</c> or <c>logs</c>) still waiting for the hub, and the highest sequence it
    /// ever numbered (AUTOINCREMENT: sequences are never reused, so this is how many items the agent produced).
    /// </summary>
    public async Task<(long Waiting, long Produced)> OutboxAsync(string table)
    {
        Assert.Contains(table, new[] { "events", "logs" });
        await using var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = Path.Combine(AgentDir, "outbox.db"),
            Mode = SqliteOpenMode.ReadOnly,
            Pooling = false,
        }.ToString());
        await connection.OpenAsync(Ct);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT (SELECT COUNT(*) FROM {table}), COALESCE((SELECT seq FROM sqlite_sequence WHERE name = '{table}'), 0)";
        await using var reader = await command.ExecuteReaderAsync(Ct);
        Assert.True(await reader.ReadAsync(Ct));
        return (reader.GetInt64(0), reader.GetInt64(1));
    }

    /// <summary>A digest of the agent's delta state of the job (the <c>*.delta</c> files of <c>jobs/&lt;jobId&gt;/</c>; the run lock beside them is no state).</summary>
    public string DeltaStateDigest()
    {
        var folder = Path.Combine(AgentDir, "jobs", JobId.ToString());
        var files = Directory.Exists(folder) ? Directory.GetFiles(folder, "*.delta", SearchOption.AllDirectories) : [];
        Assert.True(files.Length > 0, $"no delta state in {folder}");
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var file in files.Order(StringComparer.Ordinal))
        {
            sha.AppendData(Encoding.UTF8.GetBytes(Path.GetRelativePath(folder, file)));
            sha.AppendData(File.ReadAllBytes(file));
        }

        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    // ---- the export ----

    /// <summary>
    /// An export of <paramref name="valid"/> good rows (SKU0001…) with canonical column names (no mapping needed), the
    /// prices of <paramref name="changed"/> of them raised by 1, and two rows the engine rejects (a price that is not
    /// a number, a negative quantity).
    /// </summary>
    public static string Catalog(int valid, IReadOnlyCollection<int>? changed = null)
    {
        var sb = new StringBuilder(Header).Append('\n');
        for (var i = 1; i <= valid; i++)
        {
            var price = 1.25m + i + (changed?.Contains(i) == true ? 1 : 0);
            sb.Append(CultureInfo.InvariantCulture, $"SKU{i:D4},{Gtin(i)},Oat milk {i},Acme,{price:0.00},{i % 7},Y,https://img.example.test/{i}.jpg,https://shop.example.test/p/{i}\n");
        }

        sb.Append(CultureInfo.InvariantCulture, $"BAD0001,{Gtin(9001)},Broken price,Acme,abc,3,Y,https://img.example.test/b1.jpg,\n");
        sb.Append(CultureInfo.InvariantCulture, $"BAD0002,{Gtin(9002)},Broken quantity,Acme,2.00,-4,Y,https://img.example.test/b2.jpg,\n");
        return sb.ToString();
    }

    /// <summary>The feed line's price of SKU <paramref name="i"/> as google-merchant writes it.</summary>
    public static string Price(int i, bool changed = false) => string.Create(CultureInfo.InvariantCulture, $"\t{1.25m + i + (changed ? 1 : 0):0.00} USD\t");

    /// <summary>A valid GTIN-13 for row <paramref name="i"/>.</summary>
    public static string Gtin(int i)
    {
        var body = (400_000_000_000L + i).ToString("D12", CultureInfo.InvariantCulture);
        var sum = 0;
        for (var k = 0; k < 12; k++)
        {
            sum += (body[k] - '0') * (k % 2 == 0 ? 1 : 3);
        }

        return body + (char)('0' + ((10 - (sum % 10)) % 10));
    }

    /// <summary>The data lines of the feed (without its header), keyed by SKU.</summary>
    public Dictionary<string, string> FeedRows()
    {
        var lines = File.ReadAllLines(FeedPath);
        Assert.StartsWith("id\ttitle\t", lines[0], StringComparison.Ordinal);
        return lines.Skip(1).ToDictionary(l => l[..l.IndexOf('\t', StringComparison.Ordinal)], l => l, StringComparer.Ordinal);
    }

    // ---- the export as a pipe: a run that reads it waits in the middle until the test writes the rest ----

    /// <summary>Replaces the export with a named pipe (mkfifo).</summary>
    public async Task MakeExportPipeAsync()
    {
        File.Delete(SourcePath);
        using var mk = Process.Start("mkfifo", [SourcePath]);
        await mk.WaitForExitAsync(Ct);
        Assert.Equal(0, mk.ExitCode);
    }

    /// <summary>Opens the export pipe for writing, which returns once the agent's run opened it for reading.</summary>
    public async Task<FileStream> OpenExportPipeAsync(AgentChildProcess agent)
    {
        var open = Task.Run(() => new FileStream(SourcePath, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, bufferSize: 0), Ct);
        try
        {
            return await open.WaitAsync(TimeSpan.FromSeconds(60), Ct);
        }
        catch (TimeoutException)
        {
            // Unblock the waiting open (a reader of our own), then fail with what the agent said.
            await using (new FileStream(SourcePath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 0))
            {
                (await open).Dispose();
            }

            Assert.Fail($"No run opened the export within 60 s.\nagent stderr:\n{agent.Stderr}");
            throw;
        }
    }

    // ---- runs through the API ----

    public static void AssertSucceeded(RunDetailDto detail, long read, long changed, long written, long rejected)
    {
        var run = detail.Run;
        Assert.True(run.Status == RunStatus.Succeeded, $"run {run.Id} ended {run.Status}: {run.Error}");
        Assert.Equal((read, changed, written, rejected), (run.RecordsRead, run.RecordsChanged, run.RecordsWritten, run.RecordsRejected));
        Assert.True(run.BytesWritten > 0);
        Assert.True(run.QueuedAt <= run.StartedAt && run.StartedAt <= run.FinishedAt, $"queued {run.QueuedAt:O}, started {run.StartedAt:O}, finished {run.FinishedAt:O}");

        // Every step once, in order, each from the one before.
        Assert.Equal(
            [(null, RunStatus.Queued), (RunStatus.Queued, RunStatus.Dispatched), (RunStatus.Dispatched, RunStatus.Running), (RunStatus.Running, RunStatus.Succeeded)],
            detail.StatusChanges.Select(c => (c.FromStatus, c.ToStatus)).ToArray());
    }

    public async Task<RunDetailDto> RunNowAsync()
    {
        var response = await Admin.PostAsync($"/api/v1/jobs/{JobId}/run", null, Ct);
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"run-now answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(Ct)}");
        return (await response.Content.ReadFromJsonAsync<RunDetailDto>(Ct))!;
    }

    public Task<RunDetailDto> RunAsync(Guid runId) => GetAsync<RunDetailDto>($"/api/v1/runs/{runId}");

    /// <summary>Waits until the run is final and returns it.</summary>
    public async Task<RunDetailDto> FinishedAsync(Guid runId, AgentChildProcess? agent = null)
    {
        RunDetailDto? run = null;
        await Poll.UntilAsync(async () => (run = await RunAsync(runId)).Run.Status.IsFinal(), $"run {runId} to end", agent);
        return run!;
    }

    /// <summary>Every log line of the run through the logs API (<c>runId</c> filter), page by page.</summary>
    public async Task<List<LogEntryDto>> RunLogLinesAsync(Guid runId)
    {
        var lines = new List<LogEntryDto>();
        long? after = null;
        while (true)
        {
            var page = await GetAsync<LogPage>($"/api/v1/logs?runId={runId}&limit=2{(after is { } a ? $"&after={a}" : string.Empty)}");
            lines.AddRange(page.Items);
            if (page.Items.Count == 0 || page.NextAfter is null)
            {
                return lines;
            }

            after = page.NextAfter;
        }
    }

    public async Task<T> GetAsync<T>(string path)
    {
        var response = await Admin.GetAsync(path, Ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {path} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(Ct)}");
        return (await response.Content.ReadFromJsonAsync<T>(Ct))!;
    }

    /// <summary>
    /// Waits until the agent's outboxes are empty and the hub acknowledged every item they ever numbered, then returns
    /// how many log lines the agent produced and the hub's log lines of the agent, read in between two equal cursor reads.
    /// </summary>
    public async Task<(long ProducedLines, long ProducedEvents, List<LogEntry> HubLines, List<OutboxCursor> Cursors)> DeliveredAsync(AgentChildProcess agent)
    {
        (long, long, List<LogEntry>, List<OutboxCursor>)? snapshot = null;
        await Poll.UntilAsync(async () =>
        {
            var events = await OutboxAsync("events");
            var logs = await OutboxAsync("logs");
            var (_, before) = await HubRecordsAsync();
            var (lines, after) = await HubRecordsAsync();
            var highest = after.Select(c => c.HighestSequence).Order().ToArray();
            if (events.Waiting > 0 || logs.Waiting > 0 || !highest.SequenceEqual(before.Select(c => c.HighestSequence).Order())
                || !highest.SequenceEqual(new[] { events.Produced, logs.Produced }.Order()))
            {
                return false;
            }

            snapshot = (logs.Produced, events.Produced, lines, after);
            return true;
        }, "every outbox item acknowledged by the hub", agent);
        return snapshot!.Value;
    }

    /// <summary>The hub's rows about this agent, straight from its database: log lines and outbox cursors.</summary>
    public async Task<(List<LogEntry> Lines, List<OutboxCursor> Cursors)> HubRecordsAsync() =>
        await Hub.App.QueryDbAsync(async db => (
            await db.LogEntries.AsNoTracking().Where(l => l.AgentId == AgentId).OrderBy(l => l.Id).ToListAsync(Ct),
            await db.OutboxCursors.AsNoTracking().Where(c => c.AgentId == AgentId).ToListAsync(Ct)));

    public async ValueTask DisposeAsync()
    {
        foreach (var agent in _agents)
        {
            agent.Dispose();
        }

        _admin?.Dispose();

        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        await Task.CompletedTask;
    }

    private static async Task<T> CreatedAsync<T>(HttpResponseMessage response)
    {
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"{response.RequestMessage?.RequestUri} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(Ct)}");
        return (await response.Content.ReadFromJsonAsync<T>(Ct))!;
    }
}

/// <summary>Waiting for a state without asserting how long it takes; a time-out shows what the agent said.</summary>
internal static class Poll
{
    public static async Task UntilAsync(Func<Task<bool>> condition, string what, AgentChildProcess? agent = null, int seconds = 60)
    {
        var watch = Stopwatch.StartNew();
        while (!await condition())
        {
            if (watch.Elapsed > TimeSpan.FromSeconds(seconds))
            {
                Assert.Fail($"Timed out after {seconds} s waiting for {what}.{(agent is null ? string.Empty : $"\nagent stderr:\n{agent.Stderr}\nagent stdout:\n{agent.Stdout}")}");
            }

            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
    }
}
