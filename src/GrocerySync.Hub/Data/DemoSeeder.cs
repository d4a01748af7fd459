using GrocerySync.Contracts;
using GrocerySync.Hub.Data.Entities;
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

    public static async Task SeedAsync(IServiceProvider services, ILogger log, CancellationToken ct)
    {
        await using var scope = services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<CurrentUser>().SetSystem();
        var db = scope.ServiceProvider.GetRequiredService<HubDbContext>();
        if (await db.Retailers.AnyAsync(ct) || await db.Users.AnyAsync(ct))
        {
            HubLog.DemoAlreadySeeded(log, Password);
            return;
        }

        var now = scope.ServiceProvider.GetRequiredService<TimeProvider>().GetUtcNow();
        var retailer = new Retailer { Name = "Demo Fresh Market", Slug = "demo-fresh-market", TimeZone = "Europe/Amsterdam" };
        db.Retailers.Add(retailer);
        await db.SaveChangesAsync(ct);

        var users = scope.ServiceProvider.GetRequiredService<UserManager<HubUser>>();
        await CreateUserAsync(users, PlatformAdminEmail, "Platform Admin", HubRole.PlatformAdmin, retailerId: null);
        await CreateUserAsync(users, RetailerAdminEmail, "Store Manager", HubRole.RetailerAdmin, retailer.Id);
        await CreateUserAsync(users, TechnicianEmail, "Store Technician", HubRole.Technician, retailer.Id);

        var agent = new Agent
        {
            RetailerId = retailer.Id,
            Name = "Store 001 back office",
            Status = AgentStatus.Pending,
            HeartbeatIntervalSeconds = 30,
        };
        var source = new Source
        {
            RetailerId = retailer.Id,
            Name = "Back-office catalog export",
            PluginId = "grocerysync.source.delimited-file",
            Settings = """{"path":"demo/catalog.csv","delimiter":",","encoding":"utf-8"}""",
            AgentId = agent.Id,
        };
        var destination = new Destination
        {
            RetailerId = retailer.Id,
            Name = "Web shop feed folder",
            PluginId = "grocerysync.destination.folder",
            Settings = """{"path":"demo/out","fileName":"google-merchant.tsv"}""",
        };
        var job = new Job
        {
            RetailerId = retailer.Id,
            Name = "Nightly Google Merchant feed",
            AgentId = agent.Id,
            SourceId = source.Id,
            DestinationId = destination.Id,
            AdapterPluginId = "grocerysync.adapter.google-merchant",
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
            db.LogEntries.AddRange(
                Log(run, queued.AddSeconds(1), LogSeverity.Information, "Run started: delta mode, source 'Back-office catalog export'."),
                Log(run, queued.AddSeconds(2), LogSeverity.Warning, "Rejected 3 rows: line 88 gtin: check digit is wrong; line 1024 salePrice: above the regular price; line 7731 quantity: negative."),
                Log(run, run.FinishedAt.Value, succeeded ? LogSeverity.Information : LogSeverity.Error, succeeded ? "Run succeeded: 131 changed records written." : run.Error!));
            job.LastRunStatus = run.Status;
            job.LastRunFinishedAt = run.FinishedAt;
        }

        await db.SaveChangesAsync(ct);
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

    private static LogEntry Log(JobRun run, DateTimeOffset at, LogSeverity level, string message) =>
        new() { RetailerId = run.RetailerId, AgentId = run.AgentId, JobRunId = run.Id, Timestamp = at, Level = level, Category = "GrocerySync.Sync", Message = message };
}
