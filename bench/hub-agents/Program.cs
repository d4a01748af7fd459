// Agent-protocol benchmarks of the hub on PostgreSQL (docs/benchmarks.md, "Agent protocol"):
//   1. creates a fresh database on the server named by GS_TEST_POSTGRES and starts the real hub (Release build,
//      Kestrel on 127.0.0.1) on it; the hub migrates the schema and publishes its built-in plugins,
//   2. seeds one retailer with N agents that each have a one-time enrollment token, and enrolls every agent through
//      POST /agent/v1/enroll (N real API keys),
//   3. heartbeats: wrk with C connections sends POST /agent/v1/heartbeat round-robin over all agents for D seconds;
//      throughput and latency percentiles of the real endpoint, then checks every agent's row was written,
//   4. dispatch: A agents long-poll GET /agent/v1/work; R runs are queued one after another straight into the
//      database (as another hub replica would, so the hub finds them through its database re-check), and each
//      run's time from its commit to the poll answer is recorded,
//   5. logs: S senders (each with a run of its own) post batches of B lines, serialised in advance, to
//      POST /agent/v1/logs: W warm-up lines first (untimed, as wrk's warm-up for heartbeats: the hub's JIT tiers the
//      ingest path up meanwhile), then until L more lines are acknowledged; lines/s end to end over the L lines,
//      then the stored row count is checked.
// Every loop is bounded in count and time; all traffic stays on loopback.
// Usage: GrocerySync.Bench.HubAgents --hub <GrocerySync.Hub.dll> [--agents 10000] [--connections 64] [--seconds 20]
//        [--runs 300] [--pollers 50] [--log-lines 2000000] [--log-warmup-lines 800000] [--log-batch 5000] [--log-senders 8]
//        [--only heartbeats,dispatch,logs]
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using GrocerySync.Contracts;
using GrocerySync.Contracts.Agents;
using Npgsql;
using NpgsqlTypes;

var o = Options.Parse(args);
var admin = Environment.GetEnvironmentVariable("GS_TEST_POSTGRES") ?? throw new InvalidOperationException("GS_TEST_POSTGRES is not set; run `source .ci/services.sh` first.");
var database = $"gs_bench_agents_{DateTime.UtcNow:yyyyMMddHHmmss}";
var connectionString = new NpgsqlConnectionStringBuilder(admin) { Database = database, MaxPoolSize = 20 }.ConnectionString;
await Db.ExecuteAsync(admin, $"CREATE DATABASE \"{database}\"");
Console.WriteLine($"# Database {database}; load average {Load()}");
var web = new JsonSerializerOptions(JsonSerializerDefaults.Web);
try
{
    await using (var hub = await HubProcess.StartAsync(o.HubDll, connectionString))
    {
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = Math.Max(o.Connections, o.Pollers + 8), PooledConnectionLifetime = TimeSpan.FromMinutes(10) };
        using var http = new HttpClient(handler) { BaseAddress = hub.BaseAddress, Timeout = TimeSpan.FromSeconds(120) };
        var seed = await Seeder.SeedAsync(connectionString, o.Agents);
        // Enrollment is set-up, not measured: each one appends to the retailer's audit chain, whose head lock
        // serialises the writers of one retailer, so more at once would only queue.
        var keys = await EnrollAllAsync(http, seed.Tokens, 8);
        Console.WriteLine($"# {keys.Length:N0} agents enrolled through POST /agent/v1/enroll in {seed.Elapsed.TotalSeconds:F1} s seeding + enrollment; load average {Load()}");

        if (o.Includes("heartbeats"))
        {
            await HeartbeatsAsync(keys, o, connectionString, hub.BaseAddress);
        }

        if (o.Includes("dispatch"))
        {
            await DispatchAsync(http, keys, seed, o, connectionString);
        }

        if (o.Includes("logs"))
        {
            await LogsAsync(http, keys, seed, o, connectionString);
        }
    }
}
finally
{
    if (!o.Keep)
    {
        NpgsqlConnection.ClearAllPools();
        await Db.ExecuteAsync(admin, $"DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)");
    }
}

static string Load() => File.ReadAllText("/proc/loadavg").Split(' ').Take(3).Aggregate((a, b) => a + " " + b);

static double Percentile(List<double> sorted, double p) => sorted.Count == 0 ? double.NaN : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];

async Task<(Guid Agent, string Key)[]> EnrollAllAsync(HttpClient http, IReadOnlyList<(Guid Agent, string Token)> tokens, int concurrency)
{
    var keys = new (Guid, string)[tokens.Count];
    var next = -1;
    var identity = new AgentIdentity("1.0.0", "Debian GNU/Linux 12 (x64)", "bench");
    await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
    {
        int i;
        while ((i = Interlocked.Increment(ref next)) < tokens.Count)
        {
            using var response = await http.PostAsJsonAsync("/" + AgentRoutes.Enroll, new EnrollRequest(tokens[i].Token, identity with { HostName = $"bench-{i}" }));
            response.EnsureSuccessStatusCode();
            keys[i] = (tokens[i].Agent, (await response.Content.ReadFromJsonAsync<EnrollResponse>(web))!.ApiKey);
        }
    }));
    return keys;
}

async Task HeartbeatsAsync((Guid Agent, string Key)[] keys, Options o, string connectionString, Uri hub)
{
    // wrk (C, epoll) sends the load so that the hub, not the load tool, gets the cores: each request is prepared once
    // in its Lua init (the agent's own key and body) and the connections cycle through all agents.
    var folder = Directory.CreateTempSubdirectory("gs-bench-heartbeats-").FullName;
    var requests = Path.Combine(folder, "agents.tsv");
    await File.WriteAllLinesAsync(requests, keys.Select((k, i) => k.Key + "\t" + JsonSerializer.Serialize(
        new HeartbeatRequest(new AgentIdentity("1.0.0", "Debian GNU/Linux 12 (x64)", $"bench-{i}"), [new AgentPluginInfo("folder", "1.0.0")], [], 0), web)));
    var script = Path.Combine(folder, "heartbeats.lua");
    await File.WriteAllTextAsync(script, $$"""
        local requests, n, i = {}, 0, 0
        function init(args)
          for line in io.lines("{{requests}}") do
            local key, body = line:match("^([^\t]+)\t(.*)$")
            n = n + 1
            requests[n] = wrk.format("POST", "/{{AgentRoutes.Heartbeat}}", { ["Authorization"] = "Bearer " .. key, ["Content-Type"] = "application/json" }, body)
          end
          i = math.random(n)
        end
        function request()
          i = i % n + 1
          return requests[i]
        end
        """);

    await Wrk.RunAsync(hub, script, o.Connections, Math.Min(5, o.Seconds));
    var load = Load();
    var result = await Wrk.RunAsync(hub, script, o.Connections, o.Seconds);
    await Task.Delay(1500);
    var written = await Db.ScalarAsync<long>(connectionString, $"SELECT count(*) FROM \"Agents\" WHERE \"Status\" = {(int)AgentStatus.Online} AND \"LastHeartbeatAt\" > now() - interval '1 minute'");
    Directory.Delete(folder, recursive: true);
    Console.WriteLine();
    Console.WriteLine($"## Heartbeats: {keys.Length:N0} agents, {o.Connections} connections (wrk, 1 thread), {o.Seconds} s after a 5 s warm-up (load average before: {load}; after: {Load()})");
    Console.WriteLine();
    Console.WriteLine("| heartbeats | not 200 | per second | p50 ms | p90 ms | p99 ms | max ms | agents Online with a fresh row |");
    Console.WriteLine("|---:|---:|---:|---:|---:|---:|---:|---:|");
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"| {result.Requests:N0} | {result.NotOk:N0} | {result.PerSecond:N0} | {result.P50:F2} | {result.P90:F2} | {result.P99:F2} | {result.Max:F1} | {written:N0} |"));
}

async Task DispatchAsync(HttpClient http, (Guid Agent, string Key)[] keys, Seeded seed, Options o, string connectionString)
{
    // One job per polling agent; each run is queued by a direct insert (as another replica would) and timed until
    // the agent's long-poll answer carries it.
    var pollers = keys.Take(o.Pollers).ToArray();
    var jobs = await Seeder.AddJobsAsync(connectionString, seed.RetailerId, pollers.Select(p => p.Agent).ToList());
    var queuedAt = new ConcurrentDictionary<Guid, long>();
    var latencies = new ConcurrentBag<double>();
    var received = 0;
    using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60 + o.Runs));
    var polls = pollers.Select(async p =>
    {
        using var client = new HttpClient(new SocketsHttpHandler()) { BaseAddress = http.BaseAddress, Timeout = TimeSpan.FromSeconds(90) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", p.Key);
        long sequence = 0;
        var outbox = Guid.NewGuid();
        while (!stop.IsCancellationRequested && Volatile.Read(ref received) < o.Runs)
        {
            HttpResponseMessage response;
            try
            {
                response = await client.GetAsync($"/{AgentRoutes.Work}?{AgentRoutes.WaitSecondsQuery}=20", stop.Token);
            }
            catch (OperationCanceledException)
            {
                break;
            }

            using (response)
            {
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    continue;
                }

                var now = Stopwatch.GetTimestamp();
                var work = (await response.Content.ReadFromJsonAsync<WorkResponse>(web))!;
                foreach (var run in work.Runs)
                {
                    if (queuedAt.TryGetValue(run.RunId, out var at))
                    {
                        latencies.Add(Stopwatch.GetElapsedTime(at, now).TotalMilliseconds);
                        Interlocked.Increment(ref received);
                    }

                    var finished = new EventBatch(outbox, [new RunEvent(++sequence, run.RunId, RunEventKind.Started, DateTimeOffset.UtcNow, null, null, null),
                        new RunEvent(++sequence, run.RunId, RunEventKind.Finished, DateTimeOffset.UtcNow, new RunCounts(1, 1, 1, 0, 1), RunStatus.Succeeded, null)]);
                    (await client.PostAsJsonAsync("/" + AgentRoutes.Events, finished, web)).EnsureSuccessStatusCode();
                }
            }
        }
    }).ToList();

    await Task.Delay(2000);
    var load = Load();
    await using (var connection = new NpgsqlConnection(connectionString))
    {
        await connection.OpenAsync();
        var random = new Random(42);
        for (var i = 0; i < o.Runs && !stop.IsCancellationRequested; i++)
        {
            var j = jobs[i % jobs.Count];
            var id = Guid.CreateVersion7();
            await using var insert = new NpgsqlCommand(
                """INSERT INTO "JobRuns" ("Id", "RetailerId", "JobId", "AgentId", "Trigger", "Status", "QueuedAt", "RecordsRead", "RecordsChanged", "RecordsWritten", "RecordsRejected", "BytesWritten") VALUES (@id, @retailer, @job, @agent, 1, 0, now(), 0, 0, 0, 0, 0)""", connection);
            insert.Parameters.AddWithValue("id", id);
            insert.Parameters.AddWithValue("retailer", seed.RetailerId);
            insert.Parameters.AddWithValue("job", j.Job);
            insert.Parameters.AddWithValue("agent", j.Agent);
            var before = Stopwatch.GetTimestamp();
            queuedAt[id] = before;
            await insert.ExecuteNonQueryAsync();
            // Spread the runs over the re-check interval instead of in step with it.
            await Task.Delay(random.Next(20, 120));
        }
    }

    while (Volatile.Read(ref received) < o.Runs && !stop.IsCancellationRequested)
    {
        await Task.Delay(100);
    }

    await stop.CancelAsync();
    await Task.WhenAll(polls);
    var sorted = latencies.Order().ToList();
    Console.WriteLine();
    Console.WriteLine($"## Dispatch: {o.Runs} runs queued one at a time to {o.Pollers} long-polling agents (found by the database re-check, as for a run queued on another replica; load average before: {load}; after: {Load()})");
    Console.WriteLine();
    Console.WriteLine("| runs received | p50 ms | p90 ms | p99 ms | max ms |");
    Console.WriteLine("|---:|---:|---:|---:|---:|");
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {sorted.Count} / {o.Runs} | {Percentile(sorted, 0.5):F1} | {Percentile(sorted, 0.9):F1} | {Percentile(sorted, 0.99):F1} | {(sorted.Count > 0 ? sorted[^1] : double.NaN):F1} |"));
}

async Task LogsAsync(HttpClient http, (Guid Agent, string Key)[] keys, Seeded seed, Options o, string connectionString)
{
    var senders = keys.Skip(o.Pollers).Take(o.LogSenders).ToArray();
    var batches = o.LogLines / senders.Length / o.LogBatch;
    var warmupBatches = o.LogWarmupLines / senders.Length / o.LogBatch;

    // Lines as an agent writes them during a run: each sender's lines name its own run (so the hub checks the run's
    // owner and indexes the line under it), carry increasing timestamps, and one in 50 is a warning. The bodies are
    // serialised before the clock starts, so the load tool's JSON work does not take the hub's CPU.
    var jobs = await Seeder.AddJobsAsync(connectionString, seed.RetailerId, senders.Select(s => s.Agent).ToList());
    var runs = new Guid[senders.Length];
    await using (var connection = new NpgsqlConnection(connectionString))
    {
        await connection.OpenAsync();
        for (var i = 0; i < senders.Length; i++)
        {
            runs[i] = Guid.CreateVersion7();
            await using var insert = new NpgsqlCommand(
                """INSERT INTO "JobRuns" ("Id", "RetailerId", "JobId", "AgentId", "Trigger", "Status", "QueuedAt", "RecordsRead", "RecordsChanged", "RecordsWritten", "RecordsRejected", "BytesWritten") VALUES (@id, @retailer, @job, @agent, 1, @status, now(), 0, 0, 0, 0, 0)""", connection);
            insert.Parameters.AddWithValue("id", runs[i]);
            insert.Parameters.AddWithValue("retailer", seed.RetailerId);
            insert.Parameters.AddWithValue("job", jobs[i].Job);
            insert.Parameters.AddWithValue("agent", senders[i].Agent);
            insert.Parameters.AddWithValue("status", (int)RunStatus.Succeeded);
            await insert.ExecuteNonQueryAsync();
        }
    }

    var start = DateTimeOffset.UtcNow;
    var outboxes = senders.Select(_ => Guid.NewGuid()).ToArray();
    var bodies = senders.Select((_, s) => Enumerable.Range(0, warmupBatches + batches).Select(b =>
    {
        var first = 1 + (long)b * o.LogBatch;
        return JsonSerializer.SerializeToUtf8Bytes(new LogBatch(outboxes[s],
            [.. Enumerable.Range(0, o.LogBatch).Select(i => first + i).Select(seq => new AgentLogLine(seq, runs[s], start.AddTicks(seq * 500),
                seq % 50 == 0 ? LogSeverity.Warning : LogSeverity.Information, "GrocerySync.Sync.Engine",
                $"Batch {seq}: read 4096 records, 12 changed, 0 rejected, wrote 18,340 bytes to the destination", null))], 0), web);
    }).ToArray()).ToArray();

    var clients = senders.Select(sender =>
    {
        var client = new HttpClient(new SocketsHttpHandler()) { BaseAddress = http.BaseAddress, Timeout = TimeSpan.FromSeconds(120) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", sender.Key);
        return client;
    }).ToArray();
    long acknowledged = 0;
    await SendAsync(0, warmupBatches);
    var warmedUp = acknowledged;
    var load = Load();
    var watch = Stopwatch.StartNew();
    await SendAsync(warmupBatches, warmupBatches + batches);
    var elapsed = watch.Elapsed.TotalSeconds;
    var timed = acknowledged - warmedUp;
    foreach (var client in clients)
    {
        client.Dispose();
    }

    var stored = await Db.ScalarAsync<long>(connectionString, "SELECT count(*) FROM \"LogEntries\"");
    Console.WriteLine();
    Console.WriteLine($"## Logs: {senders.Length} agents sending batches of {o.LogBatch:N0} lines, timed after {warmedUp:N0} warm-up lines (load average before: {load}; after: {Load()})");
    Console.WriteLine();
    Console.WriteLine("| lines acknowledged (timed) | rows stored (with warm-up) | seconds | lines per second |");
    Console.WriteLine("|---:|---:|---:|---:|");
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {timed:N0} | {stored:N0} | {elapsed:F1} | {timed / elapsed:N0} |"));

    Task SendAsync(int from, int to) => Task.WhenAll(clients.Select(async (client, s) =>
    {
        for (var b = from; b < to; b++)
        {
            using var content = new ByteArrayContent(bodies[s][b]);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            using var response = await client.PostAsync("/" + AgentRoutes.Logs, content);
            response.EnsureSuccessStatusCode();
            var ack = (await response.Content.ReadFromJsonAsync<BatchAcknowledgement>(web))!;
            if (ack.AcknowledgedSequence != (b + 1L) * o.LogBatch)
            {
                throw new InvalidOperationException($"Acknowledged {ack.AcknowledgedSequence}, expected {(b + 1L) * o.LogBatch}.");
            }

            Interlocked.Add(ref acknowledged, o.LogBatch);
        }
    }));
}

internal sealed record Options(string HubDll, int Agents, int Connections, int Seconds, int Runs, int Pollers, int LogLines, int LogWarmupLines, int LogBatch, int LogSenders, bool Keep, string[] Only)
{
    /// <summary>Whether the benchmark of this name runs: all of them unless --only names some (comma-separated).</summary>
    public bool Includes(string benchmark) => Only.Length == 0 || Only.Contains(benchmark, StringComparer.OrdinalIgnoreCase);

    public static Options Parse(string[] args)
    {
        string Value(string name, string fallback) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault() ?? fallback;
        int Number(string name, int fallback) => int.Parse(Value(name, fallback.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);
        return new Options(Value("--hub", "src/GrocerySync.Hub/bin/Release/net10.0/GrocerySync.Hub.dll"),
            Number("--agents", 10_000), Number("--connections", 64), Math.Clamp(Number("--seconds", 20), 1, 300), Math.Clamp(Number("--runs", 300), 1, 10_000),
            Number("--pollers", 50), Number("--log-lines", 2_000_000), Number("--log-warmup-lines", 800_000), Number("--log-batch", 5000), Number("--log-senders", 8), args.Contains("--keep"),
            Value("--only", string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    }
}

/// <summary>One wrk run and what its --latency report says (milliseconds).</summary>
internal sealed record WrkResult(long Requests, long NotOk, double PerSecond, double P50, double P90, double P99, double Max)
{
    public static WrkResult Parse(string output)
    {
        static double Milliseconds(string text)
        {
            var unit = text.TrimStart("0123456789.".ToCharArray());
            var value = double.Parse(text[..^unit.Length], CultureInfo.InvariantCulture);
            return unit switch { "us" => value / 1000, "ms" => value, "s" => value * 1000, "m" => value * 60_000, _ => throw new FormatException($"wrk time '{text}'") };
        }

        string Field(string pattern) => Regex.Match(output, pattern, RegexOptions.Multiline) is { Success: true } m
            ? m.Groups[1].Value
            : throw new FormatException($"wrk printed no match for {pattern}:\n{output}");
        var notOk = Regex.Match(output, @"Non-2xx or 3xx responses: (\d+)");
        var errors = Regex.Match(output, @"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)");
        var socketErrors = errors.Success ? Enumerable.Range(1, 4).Sum(g => long.Parse(errors.Groups[g].Value, CultureInfo.InvariantCulture)) : 0;
        return new WrkResult(
            long.Parse(Field(@"^\s*(\d+) requests in"), CultureInfo.InvariantCulture),
            (notOk.Success ? long.Parse(notOk.Groups[1].Value, CultureInfo.InvariantCulture) : 0) + socketErrors,
            double.Parse(Field(@"^Requests/sec:\s*([\d.]+)"), CultureInfo.InvariantCulture),
            Milliseconds(Field(@"^\s*50%\s+(\S+)")), Milliseconds(Field(@"^\s*90%\s+(\S+)")), Milliseconds(Field(@"^\s*99%\s+(\S+)")),
            Milliseconds(Field(@"^\s*Latency\s+\S+\s+\S+\s+(\S+)")));
    }
}

internal static class Wrk
{
    public static async Task<WrkResult> RunAsync(Uri hub, string script, int connections, int seconds)
    {
        var start = new ProcessStartInfo("wrk") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { "-t1", $"-c{connections}", $"-d{seconds}s", "--timeout", "10s", "--latency", "-s", script, hub.ToString() })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start wrk (apt-get install wrk).");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return process.ExitCode == 0 ? WrkResult.Parse(await output) : throw new InvalidOperationException($"wrk exited with {process.ExitCode}: {await error}");
    }
}

internal sealed record Seeded(Guid RetailerId, IReadOnlyList<(Guid Agent, string Token)> Tokens, TimeSpan Elapsed);

internal static class Seeder
{
    public static async Task<Seeded> SeedAsync(string connectionString, int agents)
    {
        var watch = Stopwatch.StartNew();
        var retailer = Guid.CreateVersion7();
        var now = DateTime.UtcNow;
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using (var insert = new NpgsqlCommand(
            """INSERT INTO "Retailers" ("Id", "Name", "Slug", "TimeZone", "Status", "CreatedAt", "UpdatedAt", "Version", "LogRetentionDays", "LogRetentionMaxLines", "RunRetentionDays", "RequireTwoFactor") VALUES (@id, 'Bench retailer', 'bench', 'Europe/Amsterdam', 0, @now, @now, 1, 30, 100000000, 180, false)""", connection))
        {
            insert.Parameters.AddWithValue("id", retailer);
            insert.Parameters.AddWithValue("now", now);
            await insert.ExecuteNonQueryAsync();
        }

        var tokens = new List<(Guid, string)>(agents);
        await using (var copy = await connection.BeginBinaryImportAsync(
            """COPY "Agents" ("Id", "RetailerId", "Name", "Status", "HeartbeatIntervalSeconds", "EnrollmentTokenHash", "EnrollmentTokenExpiresAt", "CreatedAt", "UpdatedAt", "Version") FROM STDIN (FORMAT BINARY)"""))
        {
            for (var i = 0; i < agents; i++)
            {
                var id = Guid.CreateVersion7();
                var token = "gse_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
                tokens.Add((id, token));
                await copy.StartRowAsync();
                await copy.WriteAsync(id, NpgsqlDbType.Uuid);
                await copy.WriteAsync(retailer, NpgsqlDbType.Uuid);
                await copy.WriteAsync($"bench agent {i:D5}", NpgsqlDbType.Varchar);
                await copy.WriteAsync((int)AgentStatus.Pending, NpgsqlDbType.Integer);
                await copy.WriteAsync(30, NpgsqlDbType.Integer);
                await copy.WriteAsync(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token))), NpgsqlDbType.Varchar);
                await copy.WriteAsync(now.AddDays(1), NpgsqlDbType.TimestampTz);
                await copy.WriteAsync(now, NpgsqlDbType.TimestampTz);
                await copy.WriteAsync(now, NpgsqlDbType.TimestampTz);
                await copy.WriteAsync(1L, NpgsqlDbType.Bigint);
            }

            await copy.CompleteAsync();
        }

        return new Seeded(retailer, tokens, watch.Elapsed);
    }

    /// <summary>A source (delimited-file), destination (folder) and job (google-merchant) per agent, with catalog plugins.</summary>
    public static async Task<List<(Guid Agent, Guid Job)>> AddJobsAsync(string connectionString, Guid retailer, List<Guid> agents)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        var jobs = new List<(Guid, Guid)>();
        foreach (var agent in agents)
        {
            var (source, destination, job) = (Guid.CreateVersion7(), Guid.CreateVersion7(), Guid.CreateVersion7());
            await using var insert = new NpgsqlCommand(
                """
                INSERT INTO "Sources" ("Id", "RetailerId", "Name", "PluginId", "Settings", "SecretNames", "AgentId", "CreatedAt", "UpdatedAt", "Version")
                VALUES (@source, @retailer, @source::text, 'delimited-file', '{"path":"/data/catalog.csv"}', '', @agent, now(), now(), 1);
                INSERT INTO "Destinations" ("Id", "RetailerId", "Name", "PluginId", "Settings", "SecretNames", "ConnectionStatus", "CreatedAt", "UpdatedAt", "Version")
                VALUES (@destination, @retailer, @destination::text, 'folder', '{"folder":"/srv/out"}', '', 0, now(), now(), 1);
                INSERT INTO "Jobs" ("Id", "RetailerId", "Name", "AgentId", "SourceId", "DestinationId", "AdapterPluginId", "AdapterSettings", "CronExpression", "TimeZone", "Filters", "SyncMode", "Enabled", "TimeoutSeconds", "ConsecutiveFailures", "CreatedAt", "UpdatedAt", "Version")
                VALUES (@job, @retailer, @job::text, @agent, @source, @destination, 'google-merchant', '{}', '0 3 * * *', 'Europe/Amsterdam', '{}', 0, true, 3600, 0, now(), now(), 1);
                """, connection);
            insert.Parameters.AddWithValue("source", source);
            insert.Parameters.AddWithValue("destination", destination);
            insert.Parameters.AddWithValue("job", job);
            insert.Parameters.AddWithValue("retailer", retailer);
            insert.Parameters.AddWithValue("agent", agent);
            await insert.ExecuteNonQueryAsync();
            jobs.Add((agent, job));
        }

        return jobs;
    }
}

internal static class Db
{
    public static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    public static async Task<T> ScalarAsync<T>(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync())!;
    }
}

internal sealed class HubProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _dataDirectory;

    private HubProcess(Process process, Uri baseAddress, string dataDirectory)
    {
        _process = process;
        BaseAddress = baseAddress;
        _dataDirectory = dataDirectory;
    }

    public Uri BaseAddress { get; }

    public static async Task<HubProcess> StartAsync(string hubDll, string connectionString)
    {
        var port = FreePort();
        var baseAddress = new Uri($"http://127.0.0.1:{port}");
        var dataDirectory = Directory.CreateTempSubdirectory("gs-bench-agents-").FullName;
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = Path.GetDirectoryName(Path.GetFullPath(hubDll))!, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.GetFullPath(hubDll));
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add(baseAddress.ToString());
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["ConnectionStrings__Postgres"] = connectionString;
        start.Environment["Hub__DataDirectory"] = dataDirectory;
        start.Environment["Hub__Auth__SigningKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(64));
        // The production per-agent and per-IP limits would throttle one machine pretending to be 10,000 agents.
        start.Environment["Hub__Agents__RequestsPerMinute"] = "1000000";
        start.Environment["Hub__Agents__EnrollPerMinute"] = "100000";
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        start.Environment["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "Information";
        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start the hub.");
        var log = Path.Combine(dataDirectory, "hub.log");
        _ = DrainAsync(process.StandardOutput, log);
        _ = DrainAsync(process.StandardError, log + ".err");
        var hub = new HubProcess(process, baseAddress, dataDirectory);
        using var http = new HttpClient { BaseAddress = baseAddress };
        var started = Stopwatch.GetTimestamp();
        while (true)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"The hub exited with {process.ExitCode}; see {log}.");
            }

            try
            {
                if ((await http.GetAsync("/health/ready")).IsSuccessStatusCode)
                {
                    Console.WriteLine($"# Hub (pid {process.Id}) ready on {baseAddress} after {Stopwatch.GetElapsedTime(started).TotalSeconds:F1} s; log in {log}");
                    return hub;
                }
            }
            catch (HttpRequestException)
            {
            }

            if (Stopwatch.GetElapsedTime(started) > TimeSpan.FromSeconds(90))
            {
                await hub.DisposeAsync();
                throw new TimeoutException($"The hub was not ready within 90 s; see {log}.");
            }

            await Task.Delay(200);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task DrainAsync(StreamReader reader, string path)
    {
        await using var file = File.CreateText(path);
        while (await reader.ReadLineAsync() is { } line)
        {
            await file.WriteLineAsync(line);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }
}
