using System.Globalization;
using System.Text;
using System.Text.Json;
using GrocerySync.Contracts;
using GrocerySync.Hub.Data.Entities;
using GrocerySync.Hub.Features.Agents;
using GrocerySync.Hub.Features.Logs;
using GrocerySync.Hub.Features.Runs;
using GrocerySync.Hub.Tenancy;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace GrocerySync.Hub.Data;

/// <summary>
/// Demo data for a first look at the hub: one retailer with a user of each role, an agent, a source,
/// a destination, a job with run history and logs. Runs only in demo mode and only on an empty database.
/// </summary>
internal static class DemoSeeder
{
    public const string Password = "GrocerySync-Demo-2026!";
    public const string PlatformAdminEmail = "admin@demo.grocerysync.test";
    public const string RetailerAdminEmail = "manager@demo.grocerysync.test";
    public const string TechnicianEmail = "tech@demo.grocerysync.test";

    public const string DemoAgentName = "Store 001 back office";

    /// <summary>Seeds an empty database; a database with data is left as it is.</summary>
    public static async Task SeedAsync(IServiceProvider services, string dataDirectory, ILogger log, CancellationToken ct)
    {
        await using var scope = services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<CurrentUser>().SetSystem();
        var db = scope.ServiceProvider.GetRequiredService<HubDbContext>();
        if (await db.Retailers.AnyAsync(ct) || await db.Users.AnyAsync(ct))
        {
            HubLog.DemoAlreadySeeded(log, Password);
        }
        else
        {
            await SeedEmptyAsync(scope.ServiceProvider, db, dataDirectory, log, ct);
        }
    }

    /// <summary>
    /// While the demo agent is not enrolled, each start of the demo hub gives it a fresh enrollment token, queues the
    /// demo job's first run (dispatched as soon as the agent polls), and logs the commands that enroll and run the
    /// agent on this machine. Runs once the hub listens, as it needs the hub's address.
    /// </summary>
    public static async Task InviteDemoAgentAsync(IServiceProvider services, string hubUrl, ILogger log, CancellationToken ct)
    {
        try
        {
            await using var scope = services.CreateAsyncScope();
            scope.ServiceProvider.GetRequiredService<CurrentUser>().SetSystem();
            var db = scope.ServiceProvider.GetRequiredService<HubDbContext>();
            var agent = await db.Agents.AsNoTracking()
                .Where(a => a.Name == DemoAgentName && a.ApiKeyHash == null && a.Status == AgentStatus.Pending)
                .Select(a => new { a.Id, a.Name })
                .FirstOrDefaultAsync(ct);
            if (agent is null)
            {
                return;
            }

            var token = await scope.ServiceProvider.GetRequiredService<AgentService>().CreateEnrollmentTokenAsync(agent.Id, hubUrl, ct);
            var job = await db.Jobs.AsNoTracking().Where(j => j.AgentId == agent.Id).Select(j => j.Id).FirstAsync(ct);
            await scope.ServiceProvider.GetRequiredService<RunQueue>()
                .EnqueueAsync(job, RunTrigger.Manual, "Demo: the first sync, dispatched when the demo agent enrolls", occurrence: null, ct);
            HubLog.DemoAgentWaiting(log, agent.Name, hubUrl, token.Value!.Token);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            HubLog.DemoAgentFailed(log, e);
        }
    }

    /// <summary>
    /// A small store catalog in the canonical column names (no mapping needed): 500 products, two of which the
    /// engine rejects (a wrong GTIN check digit, a negative price) so the demo shows rejected rows.
    /// </summary>
    private static string DemoCatalog()
    {
        string[] departments = ["Dairy", "Produce", "Bakery", "Pantry", "Frozen"];
        var csv = new StringBuilder("sku,gtin,name,brand,size,unit,department,category,regularPrice,salePrice,quantityOnHand,active,imageUrl,productUrl\n");
        for (var i = 1; i <= 500; i++)
        {
            var department = departments[i % departments.Length];
            var body = (871_234_500_000L + i).ToString("D12", CultureInfo.InvariantCulture);
            var check = CheckDigit(body);
            var gtin = body + (char)('0' + (i == 88 ? (check + 1) % 10 : check));
            var price = i == 77 ? -1m : 0.79m + (i % 37 * 0.25m);
            var sale = i % 10 == 0 ? (price * 0.8m).ToString("0.00", CultureInfo.InvariantCulture) : string.Empty;
            csv.Append(CultureInfo.InvariantCulture, $"DEMO-{i:D4},{gtin},{department} product {i},Demo Farms,{250 + (i % 4 * 250)},g,{department},{department}/Everyday,{price:0.00},{sale},{i % 13},Y,")
                .Append(CultureInfo.InvariantCulture, $"https://shop.demo.grocerysync.test/img/{i}.jpg,https://shop.demo.grocerysync.test/p/{i}\n");
        }

        return csv.ToString();
    }

    /// <summary>The GS1 check digit of a GTIN body (weights 3 and 1 from the right).</summary>
    private static int CheckDigit(string body)
    {
        var sum = 0;
        for (var k = 0; k < body.Length; k++)
        {
            sum += (body[body.Length - 1 - k] - '0') * (k % 2 == 0 ? 3 : 1);
        }

        return (10 - (sum % 10)) % 10;
    }

    private static async Task SeedEmptyAsync(IServiceProvider services, HubDbContext db, string dataDirectory, ILogger log, CancellationToken ct)
    {

        var now = services.GetRequiredService<TimeProvider>().GetUtcNow();
        var retailer = new Retailer { Name = "Demo Fresh Market", Slug = "demo-fresh-market", TimeZone = "Europe/Amsterdam" };
        db.Retailers.Add(retailer);
        await db.SaveChangesAsync(ct);

        var users = services.GetRequiredService<UserManager<HubUser>>();
        await CreateUserAsync(users, PlatformAdminEmail, "Platform Admin", HubRole.PlatformAdmin, retailerId: null);
        await CreateUserAsync(users, RetailerAdminEmail, "Store Manager", HubRole.RetailerAdmin, retailer.Id);
        await CreateUserAsync(users, TechnicianEmail, "Store Technician", HubRole.Technician, retailer.Id);

        // The demo's store system is a CSV export in the data folder, and its "web shop" a folder next to it, so that
        // an agent enrolled on this machine runs the demo job for real (README: "Run the demo sync").
        var demoFolder = Path.GetFullPath(Path.Combine(dataDirectory, "demo"));
        var catalogPath = Path.Combine(demoFolder, "catalog.csv");
        var outFolder = Path.Combine(demoFolder, "out");
        Directory.CreateDirectory(outFolder);
        await File.WriteAllTextAsync(catalogPath, DemoCatalog(), ct);

        var agent = new Agent
        {
            RetailerId = retailer.Id,
            Name = DemoAgentName,
            Status = AgentStatus.Pending,
            HeartbeatIntervalSeconds = 15,
        };
        var source = new Source
        {
            RetailerId = retailer.Id,
            Name = "Back-office catalog export",
            PluginId = "delimited-file",
            Settings = JsonSerializer.Serialize(new { path = catalogPath, delimiter = ",", encoding = "utf-8" }),
            AgentId = agent.Id,
        };
        var destination = new Destination
        {
            RetailerId = retailer.Id,
            Name = "Web shop feed folder",
            PluginId = "folder",
            Settings = JsonSerializer.Serialize(new { path = outFolder, fileName = "google-merchant.tsv" }),
        };
        var job = new Job
        {
            RetailerId = retailer.Id,
            Name = "Nightly Google Merchant feed",
            AgentId = agent.Id,
            SourceId = source.Id,
            DestinationId = destination.Id,
            AdapterPluginId = "google-merchant",
            CronExpression = "30 2 * * *",
            TimeZone = retailer.TimeZone,
            SyncMode = SyncMode.Delta,
        };
        db.AddRange(agent, source, destination, job);
        db.NotificationRules.Add(new NotificationRule
        {
            RetailerId = retailer.Id,
            Name = "Tell the manager when a sync fails",
            Event = NotificationEvent.RunFailed,
            Channel = NotificationChannel.Email,
            Target = RetailerAdminEmail,
        });

        var lines = new List<LogRow>();
        for (var day = 3; day >= 1; day--)
        {
            var queued = now.AddDays(-day).Date.AddHours(1.5);
            var succeeded = day != 2;
            var run = new JobRun
            {
                RetailerId = retailer.Id,
                JobId = job.Id,
                AgentId = agent.Id,
                Trigger = RunTrigger.Schedule,
                Status = succeeded ? RunStatus.Succeeded : RunStatus.Failed,
                QueuedAt = queued,
                StartedAt = queued.AddSeconds(1),
                FinishedAt = queued.AddSeconds(succeeded ? 4 : 2),
                RecordsRead = 12_480,
                RecordsChanged = succeeded ? 131 : 0,
                RecordsWritten = succeeded ? 131 : 0,
                RecordsRejected = 3,
                BytesWritten = succeeded ? 41_200 : 0,
                Error = succeeded ? null : "Destination folder is not writable: permission denied.",
            };
            run.StatusChanges.AddRange(
                Change(run, null, RunStatus.Queued, queued, "Scheduled"),
                Change(run, RunStatus.Queued, RunStatus.Dispatched, queued.AddMilliseconds(300), null),
                Change(run, RunStatus.Dispatched, RunStatus.Running, queued.AddSeconds(1), null),
                Change(run, RunStatus.Running, run.Status, run.FinishedAt.Value, run.Error));
            db.JobRuns.Add(run);
            lines.AddRange(
                Log(run, queued.AddSeconds(1), LogSeverity.Information, "Run started: delta mode, source 'Back-office catalog export'."),
                Log(run, queued.AddSeconds(2), LogSeverity.Warning, "Rejected 3 rows: line 88 gtin: check digit is wrong; line 1024 salePrice: above the regular price; line 7731 quantity: negative."),
                Log(run, run.FinishedAt.Value, succeeded ? LogSeverity.Information : LogSeverity.Error, succeeded ? "Run succeeded: 131 changed records written." : run.Error!));
            job.LastRunStatus = run.Status;
            job.LastRunFinishedAt = run.FinishedAt;
        }

        await db.SaveChangesAsync(ct);
        await LogWriter.WriteAsync(db, lines, ct);
        HubLog.DemoSeeded(log, PlatformAdminEmail, RetailerAdminEmail, TechnicianEmail, Password);
    }

    private static async Task CreateUserAsync(UserManager<HubUser> users, string email, string name, HubRole role, Guid? retailerId)
    {
        var user = new HubUser { UserName = email, Email = email, EmailConfirmed = true, DisplayName = name, Role = role, RetailerId = retailerId };
        var result = await users.CreateAsync(user, Password);
        if (!result.Succeeded)
        {
            throw new InvalidOperationException($"Could not create demo user {email}: {string.Join("; ", result.Errors.Select(e => e.Description))}");
        }
    }

    private static JobRunStatusChange Change(JobRun run, RunStatus? from, RunStatus to, DateTimeOffset at, string? reason) =>
        new() { RetailerId = run.RetailerId, JobRunId = run.Id, FromStatus = from, ToStatus = to, At = at, Reason = reason };

    private static LogRow Log(JobRun run, DateTimeOffset at, LogSeverity level, string message) =>
        new(run.RetailerId, run.AgentId, run.Id, at, level, "GrocerySync.Sync", message, null);
}
