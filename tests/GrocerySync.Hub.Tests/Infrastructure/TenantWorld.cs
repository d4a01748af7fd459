using GrocerySync.Contracts;
using GrocerySync.Hub.Data.Entities;
using GrocerySync.Hub.Features.Logs;
using GrocerySync.Hub.Security;
using Microsoft.Extensions.DependencyInjection;

namespace GrocerySync.Hub.Tests.Infrastructure;

/// <summary>
/// A retailer with one of everything, written straight to the database: users, an agent with an API key,
/// a source and a destination with secrets, a connection test, a job, a finished run with its status changes, log lines, a
/// notification rule and audit events. Every name-like field carries <see cref="Marker"/>, so a test can
/// look for the retailer's data in the raw text of any answer.
/// </summary>
internal sealed class TenantWorld
{
    private TenantWorld(TestTenant tenant, string marker, string secret)
    {
        Tenant = tenant;
        Marker = marker;
        Secret = secret;
    }

    public TestTenant Tenant { get; }

    public Guid RetailerId => Tenant.RetailerId;

    /// <summary>A string unique to this world, in every name, message and display name it owns.</summary>
    public string Marker { get; }

    /// <summary>The value of the source's and the destination's secret; no answer may ever contain it.</summary>
    public string Secret { get; }

    public Agent Agent { get; private set; } = null!;

    public Source Source { get; private set; } = null!;

    public Destination Destination { get; private set; } = null!;

    /// <summary>A finished connection test of <see cref="Destination"/> on <see cref="Agent"/> (finished: no sweep changes it under the snapshots).</summary>
    public DestinationConnectionTest ConnectionTest { get; private set; } = null!;

    public Job Job { get; private set; } = null!;

    public JobRun Run { get; private set; } = null!;

    /// <summary>The id of the run's error line.</summary>
    public long LogId { get; private set; }

    public NotificationRule Rule { get; private set; } = null!;

    public AuditEvent Audit { get; private set; } = null!;

    /// <summary>A pending invitation of the retailer.</summary>
    public Invite Invite { get; private set; } = null!;

    /// <summary>A plugin in the platform-wide catalog, seeded with the world; it carries no marker because every retailer sees it.</summary>
    public PluginPackage Plugin { get; private set; } = null!;

    /// <summary>Creates a tenant whose retailer and users carry a new marker, then seeds everything else.</summary>
    public static async Task<TenantWorld> CreateAsync(HubApp app, string label = "world")
    {
        // Lower-case hex keeps the marker intact through ToLower() searches and JSON escaping.
        var marker = $"zq{label}{Guid.NewGuid():N}"[..(label.Length + 18)].ToLowerInvariant();
        var tenant = await app.CreateTenantAsync($"Retailer {marker}", marker);
        var world = new TenantWorld(tenant, marker, $"s3cret-{Guid.NewGuid():N}");
        await world.SeedAsync();
        return world;
    }

    private async Task SeedAsync()
    {
        var app = Tenant.App;
        var secrets = app.Services.GetRequiredService<SecretProtector>().Protect(new Dictionary<string, string> { ["password"] = Secret });
        var retailerId = RetailerId;
        var now = DateTimeOffset.UtcNow;

        Agent = new Agent
        {
            RetailerId = retailerId,
            Name = $"{Marker} agent",
            Status = AgentStatus.Online,
            AgentVersion = "1.0.0",
            OperatingSystem = "Linux",
            HostName = $"{Marker}-host",
            LastHeartbeatAt = now,
            // Online for the whole test run: the heartbeat monitor must not change the seeded agent under the snapshots.
            HeartbeatIntervalSeconds = 3600,
            ApiKeyPrefix = $"gsk_{Guid.NewGuid():N}"[..16],
            ApiKeyHash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Guid.NewGuid().ToByteArray())),
        };
        Source = new Source
        {
            RetailerId = retailerId,
            Name = $"{Marker} source",
            PluginId = "grocerysync.source.delimited-file",
            Settings = $$"""{"path":"{{Marker}}/catalog.csv"}""",
            EncryptedSecrets = secrets,
            SecretNames = "password",
            AgentId = Agent.Id,
        };
        Destination = new Destination
        {
            RetailerId = retailerId,
            Name = $"{Marker} destination",
            PluginId = "grocerysync.destination.folder",
            Settings = $$"""{"path":"{{Marker}}/out"}""",
            EncryptedSecrets = secrets,
            SecretNames = "password",
        };
        ConnectionTest = new DestinationConnectionTest
        {
            RetailerId = retailerId,
            DestinationId = Destination.Id,
            AgentId = Agent.Id,
            Status = ConnectionTestStatus.Succeeded,
            RequestedByUserId = Tenant.Technician.Id,
            RequestedByName = $"{Marker} technician",
            RequestedAt = now.AddMinutes(-4),
            DispatchedAt = now.AddMinutes(-4),
            FinishedAt = now.AddMinutes(-4),
            ExpiresAt = now.AddMinutes(-2),
            Message = $"{Marker}/out is writable.",
        };
        Job = new Job
        {
            RetailerId = retailerId,
            Name = $"{Marker} job",
            AgentId = Agent.Id,
            SourceId = Source.Id,
            DestinationId = Destination.Id,
            AdapterPluginId = "grocerysync.adapter.google-merchant",
            CronExpression = "30 2 * * *",
            TimeZone = "Europe/Amsterdam",
            LastRunStatus = RunStatus.Failed,
            LastRunFinishedAt = now.AddMinutes(-1),
        };
        Run = new JobRun
        {
            RetailerId = retailerId,
            JobId = Job.Id,
            AgentId = Agent.Id,
            Trigger = RunTrigger.Manual,
            Status = RunStatus.Failed,
            QueuedAt = now.AddMinutes(-3),
            StartedAt = now.AddMinutes(-2),
            FinishedAt = now.AddMinutes(-1),
            RecordsRead = 10,
            Error = $"{Marker} run error",
        };
        Run.StatusChanges.AddRange(
            Change(null, RunStatus.Queued, Run.QueuedAt, $"{Marker} queued"),
            Change(RunStatus.Queued, RunStatus.Dispatched, Run.QueuedAt.AddSeconds(1), null),
            Change(RunStatus.Dispatched, RunStatus.Running, Run.StartedAt.Value, null),
            Change(RunStatus.Running, RunStatus.Failed, Run.FinishedAt.Value, $"{Marker} failed"));
        Rule = new NotificationRule
        {
            RetailerId = retailerId,
            Name = $"{Marker} rule",
            Event = NotificationEvent.RunFailed,
            Channel = NotificationChannel.Email,
            Target = $"{Marker}@example.test",
            JobId = Job.Id,
        };
        Audit = new AuditEvent
        {
            RetailerId = retailerId,
            Type = AuditEventType.JobCreated,
            ActorUserId = Tenant.Admin.Id,
            ActorName = $"{Marker} admin",
            EntityType = "Job",
            EntityId = Job.Id,
            Changes = $$$"""{"name":{"new":"{{{Marker}}} job"}}""",
            At = now.AddMinutes(-5),
        };

        Invite = new Invite
        {
            RetailerId = retailerId,
            Email = $"{Marker}-invitee@example.test",
            DisplayName = $"{Marker} invitee",
            Role = HubRole.Technician,
            TokenHash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Guid.NewGuid().ToByteArray())),
            CreatedAt = now,
            ExpiresAt = now.AddDays(3),
        };

        Plugin = new PluginPackage
        {
            Id = $"test.plugin.{Guid.NewGuid():N}",
            Kind = PluginKind.Destination,
            DisplayName = "Test plugin",
            Versions =
            [
                new PluginVersion { PluginId = string.Empty, Version = "1.0.0", Sha256 = new string('a', 64), MinimumAgentVersion = "1.0.0", PublishedAt = now },
            ],
        };
        Plugin.Versions[0].PluginId = Plugin.Id;

        await app.WithDbAsync(async db =>
        {
            db.AddRange(Agent, Source, Destination, ConnectionTest, Job, Run, Rule, Audit, Invite, Plugin);
            db.AuditEvents.Add(new AuditEvent
            {
                RetailerId = retailerId,
                Type = AuditEventType.AgentCreated,
                ActorUserId = Tenant.Admin.Id,
                ActorName = $"{Marker} admin",
                EntityType = "Agent",
                EntityId = Agent.Id,
                At = now.AddMinutes(-6),
            });
            await db.SaveChangesAsync();
            var lines = await LogWriter.WriteAsync(db,
                [NewLog(LogSeverity.Error, $"{Marker} log line: destination not writable"), NewLog(LogSeverity.Information, $"{Marker} log line: run started")],
                TestContext.Current.CancellationToken);
            LogId = lines[0];
        });
    }

    private JobRunStatusChange Change(RunStatus? from, RunStatus to, DateTimeOffset at, string? reason) =>
        new() { RetailerId = RetailerId, JobRunId = Run.Id, FromStatus = from, ToStatus = to, At = at, Reason = reason };

    private LogRow NewLog(LogSeverity level, string message) =>
        new(RetailerId, Agent.Id, Run.Id, Run.FinishedAt!.Value, level, "GrocerySync.Sync", message, $$"""{"marker":"{{Marker}}"}""");

    /// <summary>The retailer's users: its admin and technician.</summary>
    public IEnumerable<TestUser> Users => [Tenant.Admin, Tenant.Technician];
}
