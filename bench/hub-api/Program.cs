// Benchmark of the hub's job list on PostgreSQL (docs/benchmarks.md, section "Hub API"):
//   1. creates a fresh database on the server named by GS_TEST_POSTGRES and applies the hub's migrations,
//   2. bulk-inserts one retailer with N jobs (binary COPY) plus its agent, source and destination, and a
//      second retailer with N/5 jobs so that the tenant filter has something to filter,
//   3. starts the real hub (the Release build, Kestrel on 127.0.0.1) against it and signs in as the retailer admin,
//   4. warms up, then times GET /api/v1/jobs variants one request at a time (median, p95), runs wrk and
//      hyperfine on the first page when they are installed,
//   5. runs the hub's own list query (JobService) in-process, captures the SQL EF Core sends, and prints
//      EXPLAIN (ANALYZE, BUFFERS) for the count and the page query.
// Usage: GrocerySync.Bench.HubApi --hub <GrocerySync.Hub.dll> [--jobs 100000] [--iterations 300] [--keep]
using System.Data.Common;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Security.Claims;
using System.Text.Json;
using GrocerySync.Contracts;
using GrocerySync.Hub.Api;
using GrocerySync.Hub.Data;
using GrocerySync.Hub.Data.Entities;
using GrocerySync.Hub.Features.Jobs;
using GrocerySync.Hub.Tenancy;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

var options = BenchOptions.Parse(args);
var adminConnection = Environment.GetEnvironmentVariable("GS_TEST_POSTGRES")
    ?? throw new InvalidOperationException("GS_TEST_POSTGRES is not set; run `source .ci/services.sh` first.");
var database = $"gs_bench_{DateTime.UtcNow:yyyyMMddHHmmss}";
var connectionString = new NpgsqlConnectionStringBuilder(adminConnection) { Database = database }.ConnectionString;
await Sql.ExecuteAsync(adminConnection, $"CREATE DATABASE \"{database}\"");
Console.WriteLine($"# Database {database}");

try
{
    await using var services = Seeder.Services(connectionString);
    var seeded = await Seeder.SeedAsync(services, options.Jobs);
    Console.WriteLine($"# Seeded {seeded.Jobs:N0} jobs for retailer {seeded.RetailerId} and {seeded.OtherJobs:N0} for another retailer in {seeded.Elapsed.TotalSeconds:F1} s");

    await using var hub = await HubProcess.StartAsync(options.HubDll, connectionString);
    using var http = new HttpClient { BaseAddress = hub.BaseAddress };
    var token = await SignInAsync(http, seeded.Email, Seeder.Password);
    http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);

    var search = "store 0042";
    BenchCase[] cases =
    [
        new("first page, default order (name)", "/api/v1/jobs?page=1&pageSize=50", null, null),
        new("first page, ordering=-createdAt", "/api/v1/jobs?page=1&pageSize=50&ordering=-createdAt", "-createdAt", null),
        new($"search '{search}'", $"/api/v1/jobs?page=1&pageSize=50&search={Uri.EscapeDataString(search)}", null, search),
        new("filter enabled=true&lastRunStatus=Failed", "/api/v1/jobs?page=1&pageSize=50&enabled=true&lastRunStatus=Failed", null, null, Enabled: true, Status: RunStatus.Failed),
        new("page 1000 (offset 49,950)", "/api/v1/jobs?page=1000&pageSize=50", null, null, Page: 1000),
    ];

    Console.WriteLine();
    Console.WriteLine($"## One request at a time ({options.Iterations} timed after {options.Warmup} warm-up, client in-process over loopback)");
    Console.WriteLine();
    Console.WriteLine("| request | total | median ms | p95 ms | min ms | max ms |");
    Console.WriteLine("|---|---:|---:|---:|---:|---:|");
    foreach (var benchCase in cases)
    {
        var (total, timings) = await MeasureAsync(http, benchCase.Url, options.Warmup, options.Iterations);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| `GET {benchCase.Url}` | {total:N0} | {Percentile(timings, 0.5):F2} | {Percentile(timings, 0.95):F2} | {timings.Min():F2} | {timings.Max():F2} |"));
    }

    var firstPage = new Uri(hub.BaseAddress, cases[0].Url);
    await External.WrkAsync(firstPage, token);
    await External.WrkAsync(new Uri(hub.BaseAddress, cases[2].Url), token);
    await External.HyperfineAsync(firstPage, token);

    Console.WriteLine();
    Console.WriteLine("## SQL plans of the list query (EXPLAIN ANALYZE of the commands EF Core sends, captured in-process)");
    foreach (var benchCase in cases)
    {
        await Explain.ListAsync(services, connectionString, seeded, benchCase);
    }
}
finally
{
    if (!options.Keep)
    {
        NpgsqlConnection.ClearAllPools();
        await Sql.ExecuteAsync(adminConnection, $"DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)");
    }
}

static async Task<string> SignInAsync(HttpClient http, string email, string password)
{
    var response = await http.PostAsJsonAsync("/api/v1/auth/token", new { email, password });
    response.EnsureSuccessStatusCode();
    using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
    return json.RootElement.GetProperty("accessToken").GetString()!;
}

static async Task<(int Total, List<double> Timings)> MeasureAsync(HttpClient http, string url, int warmup, int iterations)
{
    var total = 0;
    var timings = new List<double>(iterations);
    for (var i = 0; i < warmup + iterations; i++)
    {
        var started = Stopwatch.GetTimestamp();
        using var response = await http.GetAsync(url);
        var body = await response.Content.ReadAsByteArrayAsync();
        var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new InvalidOperationException($"GET {url} answered {(int)response.StatusCode}: {System.Text.Encoding.UTF8.GetString(body)}");
        }

        if (i == 0)
        {
            using var json = JsonDocument.Parse(body);
            total = json.RootElement.GetProperty("totalCount").GetInt32();
        }

        if (i >= warmup)
        {
            timings.Add(elapsed);
        }
    }

    return (total, timings);
}

static double Percentile(List<double> values, double p)
{
    var sorted = values.Order().ToList();
    var rank = p * (sorted.Count - 1);
    var low = (int)Math.Floor(rank);
    var high = (int)Math.Ceiling(rank);
    return sorted[low] + ((sorted[high] - sorted[low]) * (rank - low));
}

internal sealed record BenchOptions(string HubDll, int Jobs, int Iterations, int Warmup, bool Keep)
{
    public static BenchOptions Parse(string[] args)
    {
        string? Value(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();
        int Number(string name, int fallback) => Value(name) is { } text ? int.Parse(text, CultureInfo.InvariantCulture) : fallback;
        var hub = Value("--hub") ?? throw new ArgumentException("--hub <path to the Release GrocerySync.Hub.dll> is required.");
        return new BenchOptions(Path.GetFullPath(hub), Number("--jobs", 100_000), Number("--iterations", 300), Number("--warmup", 50), args.Contains("--keep"));
    }
}

internal sealed record BenchCase(string Name, string Url, string? Ordering, string? Search, bool? Enabled = null, RunStatus? Status = null, int Page = 1);

internal sealed record Seeded(Guid RetailerId, string Email, int Jobs, int OtherJobs, TimeSpan Elapsed);

internal static class Seeder
{
    public const string Password = "Bench-Correct-Horse-Battery-9";

    /// <summary>The hub's own DbContext and job service, outside the hub: for seeding and for capturing the list query.</summary>
    public static ServiceProvider Services(string connectionString)
    {
        var services = new ServiceCollection();
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<CommandCapture>();
        services.AddScoped<CurrentUser>();
        services.AddScoped<RetailerScope>();
        services.AddScoped<JobService>();
        services.AddDbContext<HubDbContext, PostgresHubDbContext>((sp, o) => o.UseNpgsql(connectionString).AddInterceptors(sp.GetRequiredService<CommandCapture>()));
        return services.BuildServiceProvider();
    }

    public static async Task<Seeded> SeedAsync(ServiceProvider services, int jobs)
    {
        var started = Stopwatch.GetTimestamp();
        await using var scope = services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<CurrentUser>().SetSystem();
        var db = scope.ServiceProvider.GetRequiredService<HubDbContext>();
        await db.Database.MigrateAsync();

        var main = await AddRetailerAsync(db, "Bench Fresh Market", "bench-fresh-market");
        var other = await AddRetailerAsync(db, "Other Grocer", "other-grocer");

        var email = "bench-admin@bench.grocerysync.test";
        var admin = new HubUser
        {
            Id = Guid.CreateVersion7(),
            UserName = email,
            NormalizedUserName = email.ToUpperInvariant(),
            Email = email,
            NormalizedEmail = email.ToUpperInvariant(),
            EmailConfirmed = true,
            DisplayName = "Bench admin",
            Role = HubRole.RetailerAdmin,
            RetailerId = main.Retailer.Id,
            SecurityStamp = Guid.NewGuid().ToString("N"),
            ConcurrencyStamp = Guid.NewGuid().ToString(),
            LockoutEnabled = true,
        };
        admin.PasswordHash = new PasswordHasher<HubUser>().HashPassword(admin, Password);
        db.Users.Add(admin);
        await db.SaveChangesAsync();

        var otherJobs = jobs / 5;
        await CopyJobsAsync(db, main, jobs);
        await CopyJobsAsync(db, other, otherJobs);
        await db.Database.ExecuteSqlRawAsync("VACUUM ANALYZE \"Jobs\"");
        return new Seeded(main.Retailer.Id, email, jobs, otherJobs, Stopwatch.GetElapsedTime(started));
    }

    private sealed record Tenant(Retailer Retailer, Agent Agent, Source Source, Destination Destination);

    private static async Task<Tenant> AddRetailerAsync(HubDbContext db, string name, string slug)
    {
        var retailer = new Retailer { Name = name, Slug = slug, TimeZone = "Europe/Amsterdam" };
        var agent = new Agent { RetailerId = retailer.Id, Name = "Store back office", Status = AgentStatus.Online };
        var source = new Source { RetailerId = retailer.Id, Name = "Catalog export", PluginId = "grocerysync.source.delimited-file", AgentId = agent.Id, Settings = """{"path":"catalog.csv"}""" };
        var destination = new Destination { RetailerId = retailer.Id, Name = "Feed folder", PluginId = "grocerysync.destination.folder", Settings = """{"path":"out"}""" };
        db.AddRange(retailer, agent, source, destination);
        await db.SaveChangesAsync();
        return new Tenant(retailer, agent, source, destination);
    }

    /// <summary>Binary COPY of <paramref name="count"/> jobs, columns read from the EF model so that new columns are included.</summary>
    private static async Task CopyJobsAsync(HubDbContext db, Tenant tenant, int count)
    {
        var entity = db.Model.FindEntityType(typeof(Job))!;
        var table = entity.GetTableName()!;
        var properties = entity.GetProperties().ToList();
        var columns = string.Join(", ", properties.Select(p => $"\"{p.GetColumnName()}\""));
        var connection = (NpgsqlConnection)db.Database.GetDbConnection();
        await db.Database.OpenConnectionAsync();
        try
        {
            var now = DateTimeOffset.UtcNow;
            RunStatus?[] statuses = [null, RunStatus.Succeeded, RunStatus.Succeeded, RunStatus.Succeeded, RunStatus.Failed, RunStatus.TimedOut];
            string[] channels = ["Google Merchant feed", "Web shop prices", "Marketplace stock", "Partner SFTP drop", "Ad feed"];
            await using var writer = await connection.BeginBinaryImportAsync($"COPY \"{table}\" ({columns}) FROM STDIN (FORMAT BINARY)");
            for (var i = 0; i < count; i++)
            {
                var created = now.AddMinutes(-i * 5.0);
                var job = new Job
                {
                    Id = Guid.CreateVersion7(created),
                    RetailerId = tenant.Retailer.Id,
                    Name = string.Create(CultureInfo.InvariantCulture, $"{channels[i % channels.Length]} store {i % 5000:D4} #{i:D6}"),
                    AgentId = tenant.Agent.Id,
                    SourceId = tenant.Source.Id,
                    DestinationId = tenant.Destination.Id,
                    AdapterPluginId = "grocerysync.adapter.google-merchant",
                    AdapterSettings = """{"currency":"EUR"}""",
                    CronExpression = string.Create(CultureInfo.InvariantCulture, $"{i % 60} {i % 24} * * *"),
                    TimeZone = "Europe/Amsterdam",
                    Filters = """{"departments":["Dairy"],"categories":[],"stores":[],"activeOnly":true}""",
                    SyncMode = i % 7 == 0 ? SyncMode.Full : SyncMode.Delta,
                    Enabled = i % 10 != 0,
                    TimeoutSeconds = 3600,
                    NextRunAt = now.AddHours(1 + (i % 24)),
                    LastRunStatus = statuses[i % statuses.Length],
                    LastRunFinishedAt = i % statuses.Length == 0 ? null : now.AddHours(-(i % 48)),
                    CreatedAt = created,
                    UpdatedAt = created,
                    Version = 1,
                };
                await writer.StartRowAsync();
                foreach (var property in properties)
                {
                    var value = property.PropertyInfo!.GetValue(job);
                    var converter = property.GetTypeMapping().Converter;
                    value = value is null || converter is null ? value : converter.ConvertToProvider(value);
                    if (value is null)
                    {
                        await writer.WriteNullAsync();
                    }
                    else
                    {
                        await writer.WriteAsync(value);
                    }
                }
            }

            await writer.CompleteAsync();
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }
}

/// <summary>Records the commands EF Core sends, with their parameters, so that they can be explained.</summary>
internal sealed class CommandCapture : DbCommandInterceptor
{
    private readonly List<(string Sql, NpgsqlParameter[] Parameters)> _commands = [];

    public bool Enabled { get; set; }

    public IReadOnlyList<(string Sql, NpgsqlParameter[] Parameters)> Commands => _commands;

    public void Clear() => _commands.Clear();

    public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
    {
        Record(command);
        return ValueTask.FromResult(result);
    }

    public override ValueTask<InterceptionResult<object>> ScalarExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<object> result, CancellationToken cancellationToken = default)
    {
        Record(command);
        return ValueTask.FromResult(result);
    }

    private void Record(DbCommand command)
    {
        if (Enabled)
        {
            _commands.Add((command.CommandText, [.. command.Parameters.Cast<NpgsqlParameter>().Select(p => p.Clone())]));
        }
    }
}

internal static class Explain
{
    /// <summary>Runs the hub's JobService.ListAsync as the retailer admin, then EXPLAIN ANALYZE on every command it sent.</summary>
    public static async Task ListAsync(ServiceProvider services, string connectionString, Seeded seeded, BenchCase benchCase)
    {
        var capture = services.GetRequiredService<CommandCapture>();
        await using (var scope = services.CreateAsyncScope())
        {
            scope.ServiceProvider.GetRequiredService<CurrentUser>().SetUser(new ClaimsPrincipal(new ClaimsIdentity(
                [
                    new Claim(HubClaims.UserId, Guid.NewGuid().ToString()),
                    new Claim(HubClaims.Role, nameof(HubRole.RetailerAdmin)),
                    new Claim(HubClaims.RetailerId, seeded.RetailerId.ToString()),
                ],
                authenticationType: "bench")));
            var jobs = scope.ServiceProvider.GetRequiredService<JobService>();
            capture.Clear();
            capture.Enabled = true;
            var outcome = await jobs.ListAsync(
                new ListQuery { Page = benchCase.Page, PageSize = 50, Ordering = benchCase.Ordering, Search = benchCase.Search },
                new JobListQuery { Enabled = benchCase.Enabled, LastRunStatus = benchCase.Status },
                CancellationToken.None);
            capture.Enabled = false;
            if (outcome.Kind != OutcomeKind.Ok)
            {
                throw new InvalidOperationException($"The list query failed: {outcome.Kind}");
            }
        }

        Console.WriteLine();
        Console.WriteLine($"### {benchCase.Name}");
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        foreach (var (sql, parameters) in capture.Commands)
        {
            Console.WriteLine();
            Console.WriteLine("```sql");
            Console.WriteLine(sql);
            foreach (var parameter in parameters)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"-- {parameter.ParameterName} = {parameter.Value}"));
            }

            Console.WriteLine("```");
            Console.WriteLine("```");
            await using var explain = new NpgsqlCommand("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + sql, connection);
            explain.Parameters.AddRange(parameters.Select(p => p.Clone()).ToArray());
            await using var reader = await explain.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                Console.WriteLine(reader.GetString(0));
            }

            Console.WriteLine("```");
        }
    }
}

/// <summary>The real hub: the Release build on a free loopback port, against the bench database.</summary>
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
        var dataDirectory = Directory.CreateTempSubdirectory("gs-bench-hub-").FullName;
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(hubDll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(hubDll);
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add(baseAddress.ToString());
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["ConnectionStrings__Postgres"] = connectionString;
        start.Environment["Hub__DataDirectory"] = dataDirectory;
        start.Environment["Hub__Auth__SigningKey"] = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(64));
        // The production per-user API limit (1,200 a minute) would throttle a benchmark client; raised for the run only.
        start.Environment["Hub__RateLimits__ApiPerMinute"] = "1000000";
        start.Environment["Hub__RateLimits__SignInPerMinute"] = "1000";
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        start.Environment["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "Information";

        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start the hub.");
        var log = Path.Combine(dataDirectory, "hub.log");
        _ = DrainAsync(process.StandardOutput, log);
        _ = DrainAsync(process.StandardError, log + ".err");
        var hub = new HubProcess(process, baseAddress, dataDirectory);

        using var http = new HttpClient { BaseAddress = baseAddress };
        var deadline = Stopwatch.GetTimestamp();
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
                    Console.WriteLine($"# Hub {Path.GetFileName(hubDll)} (pid {process.Id}) ready on {baseAddress} after {Stopwatch.GetElapsedTime(deadline).TotalSeconds:F1} s; log in {log}");
                    return hub;
                }
            }
            catch (HttpRequestException)
            {
            }

            if (Stopwatch.GetElapsedTime(deadline) > TimeSpan.FromSeconds(90))
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
        Console.WriteLine($"# Hub stopped; its data folder and log stay in {_dataDirectory}");
    }
}

/// <summary>wrk and hyperfine, when installed (`apt-get install -y wrk hyperfine`).</summary>
internal static class External
{
    public static async Task WrkAsync(Uri url, string token)
    {
        Console.WriteLine();
        Console.WriteLine($"## wrk, 2 threads, 8 connections, 15 s: GET {url.PathAndQuery}");
        await RunAsync("wrk", ["-t2", "-c8", "-d15s", "--latency", "-H", $"Authorization: Bearer {token}", url.AbsoluteUri]);
    }

    public static async Task HyperfineAsync(Uri url, string token)
    {
        Console.WriteLine();
        Console.WriteLine($"## hyperfine, one curl process per request (includes curl's own start, about 5 ms): GET {url.PathAndQuery}");
        await RunAsync("hyperfine", ["-N", "--warmup", "20", "--runs", "200", "--style", "basic",
            $"curl -sf -o /dev/null -H 'Authorization: Bearer {token}' '{url.AbsoluteUri}'"]);
    }

    private static async Task RunAsync(string tool, string[] arguments)
    {
        var start = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        try
        {
            using var process = Process.Start(start)!;
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            Console.WriteLine("```");
            Console.Write((await output).Replace(arguments.Length > 0 ? TokenOf(arguments) : "\0", "<token>", StringComparison.Ordinal));
            Console.Write(await error);
            Console.WriteLine("```");
        }
        catch (System.ComponentModel.Win32Exception)
        {
            Console.WriteLine($"({tool} is not installed: apt-get install -y {tool})");
        }
    }

    private static string TokenOf(string[] arguments) =>
        arguments.Select(a => a.Split("Bearer ", 2)).Where(p => p.Length == 2).Select(p => p[1].Split('\'')[0]).FirstOrDefault() ?? "\0";
}

internal static class Sql
{
    public static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
