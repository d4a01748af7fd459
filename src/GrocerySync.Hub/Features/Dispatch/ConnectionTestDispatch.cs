using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using GrocerySync.Contracts;
using GrocerySync.Contracts.Agents;
using GrocerySync.Hub.Data;
using GrocerySync.Hub.Data.Configurations;
using GrocerySync.Hub.Data.Entities;
using GrocerySync.Hub.Features.Audit;
using GrocerySync.Hub.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace GrocerySync.Hub.Features.Dispatch;

/// <summary>
/// The agent's side of destination connection tests (users request them in <c>Features/Destinations</c>): the work
/// poll hands an agent its pending tests with the destination's settings and decrypted secrets, exactly as a run spec
/// carries them; the agent's answer records the outcome on the test and the destination with one
/// <see cref="AuditEventType.DestinationConnectionTested"/> entry; the lease sweeper fails tests nobody answered. Every
/// step is a conditional update on the test's status, so two polls never hand a test out twice and a second answer
/// changes nothing.
/// </summary>
internal sealed class ConnectionTestDispatch(
    HubDbContext db,
    RunSpecBuilder specs,
    SecretProtector secrets,
    AuditLog audit,
    TimeProvider time,
    IOptions<RunOptions> options,
    ILogger<ConnectionTestDispatch> log)
{
    /// <summary>Most tests one work answer hands out.</summary>
    public const int MaxTestsPerPoll = 20;

    /// <summary>Pending tests of the agent, each moved Pending → Dispatched; a test whose destination cannot be handed out fails with the reason.</summary>
    public async Task<IReadOnlyList<ConnectionTestSpec>> HandOutAsync(Guid agentId, CancellationToken ct)
    {
        var pending = await db.ConnectionTests.AsNoTracking()
            .Where(t => t.AgentId == agentId && t.Status == ConnectionTestStatus.Pending)
            .OrderBy(t => t.RequestedAt).ThenBy(t => t.Id)
            .Select(t => new { t.Id, t.DestinationId })
            .Take(MaxTestsPerPoll)
            .ToListAsync(ct);
        var handedOut = new List<ConnectionTestSpec>();
        foreach (var test in pending)
        {
            // The destination is there: deleting it deletes its tests.
            var destination = await db.Destinations.AsNoTracking()
                .Where(d => d.Id == test.DestinationId)
                .Select(d => new { d.Name, d.PluginId, d.PluginVersion, d.Settings, d.EncryptedSecrets, d.Version })
                .SingleAsync(ct);
            var (plugin, failure) = await specs.PluginAsync(destination.PluginId, destination.PluginVersion, PluginKind.Destination,
                destination.Settings, destination.EncryptedSecrets, $"destination '{destination.Name}'", ct);
            var now = time.GetUtcNow();
            var query = db.ConnectionTests.Where(t => t.Id == test.Id && t.Status == ConnectionTestStatus.Pending);
            var moved = plugin is null
                ? await query.ExecuteUpdateAsync(s => s
                    .SetProperty(t => t.Status, ConnectionTestStatus.Failed).SetProperty(t => t.FinishedAt, now).SetProperty(t => t.Message, Clip(failure)), ct)
                : await query.ExecuteUpdateAsync(s => s
                    .SetProperty(t => t.Status, ConnectionTestStatus.Dispatched).SetProperty(t => t.DispatchedAt, now)
                    .SetProperty(t => t.DestinationVersion, destination.Version), ct);
            if (moved != 1)
            {
                continue;
            }

            if (plugin is null)
            {
                HubLog.ConnectionTestNotDispatchable(log, test.Id, agentId, failure!);
            }
            else
            {
                HubLog.ConnectionTestDispatched(log, test.Id, agentId);
                handedOut.Add(new ConnectionTestSpec(test.Id, destination.Name, plugin));
            }
        }

        return handedOut;
    }

    /// <summary>
    /// Records the agent's answer to a test it was given: the test ends Succeeded or Failed, the destination's status,
    /// time and message follow (as runtime properties: its version stays, unless the destination changed since the
    /// agent got it, when the answer no longer describes it), and one audit entry names the agent as the actor.
    /// </summary>
    /// <returns>Null when the agent has no such test (another agent's, another retailer's, or none).</returns>
    public async Task<ConnectionTestAcknowledgement?> RecordAsync(Guid agentId, Guid testId, ConnectionTestReport report, CancellationToken ct)
    {
        var test = await db.ConnectionTests.AsNoTracking()
            .Where(t => t.Id == testId && t.AgentId == agentId)
            .Select(t => new { t.RetailerId, t.DestinationId, t.Status, t.DestinationVersion, t.RequestedByUserId, t.RequestedByName })
            .SingleOrDefaultAsync(ct);
        if (test is null)
        {
            return null;
        }

        if (test.Status != ConnectionTestStatus.Dispatched)
        {
            HubLog.ConnectionTestAnswerIgnored(log, agentId, testId, $"the test is {test.Status}, not Dispatched");
            return new ConnectionTestAcknowledgement(false);
        }

        var encrypted = await db.Destinations.AsNoTracking().Where(d => d.Id == test.DestinationId).Select(d => d.EncryptedSecrets).SingleOrDefaultAsync(ct);
        var status = report.Success ? ConnectionTestStatus.Succeeded : ConnectionTestStatus.Failed;
        var message = Clip(MaskSecrets(report.Message?.Trim(), encrypted)) is { Length: > 0 } said
            ? said
            : report.Success ? "The connection works." : "The connection test failed; the agent gave no reason.";
        var now = time.GetUtcNow();

        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var moved = await db.ConnectionTests
            .Where(t => t.Id == testId && t.Status == ConnectionTestStatus.Dispatched)
            .ExecuteUpdateAsync(s => s.SetProperty(t => t.Status, status).SetProperty(t => t.FinishedAt, now).SetProperty(t => t.Message, message), ct);
        if (moved != 1)
        {
            await transaction.RollbackAsync(ct);
            HubLog.ConnectionTestAnswerIgnored(log, agentId, testId, "the test ended meanwhile");
            return new ConnectionTestAcknowledgement(false);
        }

        // The concurrency version stays: these are the destination's runtime properties (AuditInterceptor), not an edit.
        await db.Destinations
            .Where(d => d.Id == test.DestinationId && d.Version == test.DestinationVersion)
            .ExecuteUpdateAsync(s => s
                .SetProperty(d => d.ConnectionStatus, report.Success ? ConnectionStatus.Ok : ConnectionStatus.Failed)
                .SetProperty(d => d.LastTestedAt, now)
                .SetProperty(d => d.LastTestMessage, message), ct);
        audit.Record(AuditEventType.DestinationConnectionTested, "Destination", test.DestinationId, test.RetailerId, new JsonObject
        {
            ["testId"] = testId,
            ["result"] = report.Success ? nameof(ConnectionStatus.Ok) : nameof(ConnectionStatus.Failed),
            ["message"] = message,
            ["requestedBy"] = test.RequestedByName,
            ["requestedByUserId"] = test.RequestedByUserId,
        });
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        HubLog.ConnectionTestAnswered(log, testId, test.DestinationId, agentId, status);
        return new ConnectionTestAcknowledgement(true);
    }

    /// <summary>Fails the tests still Pending or Dispatched past their expiry (the destination keeps its status: nothing was tested).</summary>
    public async Task<int> ExpireAsync(DateTimeOffset now, CancellationToken ct)
    {
        var timeout = options.Value.ConnectionTestTimeout;
        var within = $"No agent answered within {timeout.TotalSeconds:0} s";
        var notTaken = $"{within}: the agent did not ask for work (is it running and connected to the hub, with a free run slot?).";
        var unanswered = $"{within}: the agent took the test but sent no result (agents older than this hub do not run connection tests).";
        var expired = await db.ConnectionTests
            .Where(t => (t.Status == ConnectionTestStatus.Pending || t.Status == ConnectionTestStatus.Dispatched) && t.ExpiresAt < now)
            .ExecuteUpdateAsync(s => s
                .SetProperty(t => t.Status, ConnectionTestStatus.Failed).SetProperty(t => t.FinishedAt, now)
                .SetProperty(t => t.Message, t => t.Status == ConnectionTestStatus.Pending ? notTaken : unanswered), ct);
        if (expired > 0)
        {
            HubLog.ConnectionTestsExpired(log, expired, timeout.TotalSeconds);
        }

        return expired;
    }

    /// <summary>The message with every value of the destination's secrets replaced, should a plugin have repeated one.</summary>
    private string? MaskSecrets(string? message, string? encryptedSecrets)
    {
        if (string.IsNullOrEmpty(message) || encryptedSecrets is null)
        {
            return message;
        }

        try
        {
            foreach (var value in secrets.Unprotect(encryptedSecrets).Values.Where(v => !string.IsNullOrEmpty(v)).OrderByDescending(v => v.Length))
            {
                message = message.Replace(value, AuditEntries.Redacted, StringComparison.Ordinal);
            }

            return message;
        }
        catch (Exception ex) when (ex is CryptographicException or JsonException)
        {
            // The secrets were decrypted to hand the test out; if they no longer decrypt, keep nothing the agent said.
            return null;
        }
    }

    private static string? Clip(string? text) => text is null || text.Length <= Lengths.Message ? text : text[..Lengths.Message];
}
