using System.Data.Common;
using System.Threading.Channels;
using GrocerySync.Contracts;
using GrocerySync.Hub.Data;
using GrocerySync.Hub.Features.Agents;
using GrocerySync.Hub.Tenancy;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;

namespace GrocerySync.Hub.Features.Dispatch;

/// <summary>One heartbeat waiting to be written: what the agent said, and until when its running runs are leased.</summary>
internal sealed record HeartbeatUpdate(Guid AgentId, DateTimeOffset At, string? Version, string? OperatingSystem, string? HostName, string Plugins, IReadOnlyList<Guid> RunningRunIds, DateTimeOffset LeaseUntil);

/// <summary>
/// Heartbeats are answered at once and written in batches: every <see cref="AgentOptions.HeartbeatFlushInterval"/>
/// the buffered heartbeats (the latest per agent) go to the database in one statement per batch: on PostgreSQL one
/// <c>UPDATE … FROM unnest(…)</c> for the agents and one for the leases of their running runs, on SQLite one
/// transaction of prepared updates. A heartbeat sets the agent Online (a revoked agent stays Revoked); a
/// heartbeat older than the stored one changes nothing, so batches from several replicas may land in any order.
/// </summary>
internal sealed class HeartbeatWriter(IServiceScopeFactory scopes, IOptions<AgentOptions> options, ILogger<HeartbeatWriter> log) : BackgroundService
{
    private readonly Channel<HeartbeatUpdate> _queue = Channel.CreateUnbounded<HeartbeatUpdate>(new UnboundedChannelOptions { SingleReader = true });
    private readonly SemaphoreSlim _writing = new(1, 1);

    public void Enqueue(HeartbeatUpdate update) => _queue.Writer.TryWrite(update);

    /// <summary>Writes everything buffered now (tests, shutdown).</summary>
    public async Task FlushAsync(CancellationToken ct)
    {
        await _writing.WaitAsync(ct);
        try
        {
            await WriteBufferedAsync(ct);
        }
        finally
        {
            _writing.Release();
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (await _queue.Reader.WaitToReadAsync(stoppingToken))
            {
                // Batching latency, not business time: the real clock, also under a fake TimeProvider.
                await Task.Delay(options.Value.HeartbeatFlushInterval, stoppingToken);
                await FlushAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        try
        {
            await FlushAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is DbException or InvalidOperationException or OperationCanceledException)
        {
            HubLog.HeartbeatWriteFailed(log, ex);
        }
    }

    private async Task WriteBufferedAsync(CancellationToken ct)
    {
        var size = options.Value.HeartbeatBatchSize;
        var batch = new Dictionary<Guid, HeartbeatUpdate>();
        while (true)
        {
            batch.Clear();
            while (batch.Count < size && _queue.Reader.TryRead(out var update))
            {
                if (!batch.TryGetValue(update.AgentId, out var existing) || existing.At <= update.At)
                {
                    batch[update.AgentId] = update;
                }
            }

            if (batch.Count == 0)
            {
                return;
            }

            try
            {
                await WriteAsync([.. batch.Values], ct);
            }
            catch (Exception ex) when (ex is DbException or DbUpdateException or InvalidOperationException)
            {
                // Liveness is refreshed by the next heartbeat; a lost batch is late news, not lost data.
                HubLog.HeartbeatWriteFailed(log, ex);
            }
        }
    }

    private async Task WriteAsync(IReadOnlyList<HeartbeatUpdate> batch, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<CurrentUser>().SetSystem();
        var db = scope.ServiceProvider.GetRequiredService<HubDbContext>();
        if (db.Database.IsNpgsql())
        {
            await WritePostgresAsync(db, batch, ct);
        }
        else
        {
            await WriteSqliteAsync(db, batch, ct);
        }
    }

    private static async Task WritePostgresAsync(HubDbContext db, IReadOnlyList<HeartbeatUpdate> batch, CancellationToken ct)
    {
        var connection = (NpgsqlConnection)db.Database.GetDbConnection();
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            await using var agents = new NpgsqlCommand(
                """
                UPDATE "Agents" AS a SET
                    "LastHeartbeatAt" = u.at, "AgentVersion" = u.version, "OperatingSystem" = u.os, "HostName" = u.host, "Plugins" = u.plugins,
                    "Status" = CASE WHEN a."Status" = @revoked THEN a."Status" ELSE @online END,
                    "OfflineSince" = CASE WHEN a."Status" = @revoked THEN a."OfflineSince" ELSE NULL END
                FROM unnest(@ids, @ats, @versions, @oses, @hosts, @plugins) AS u(id, at, version, os, host, plugins)
                WHERE a."Id" = u.id AND (a."LastHeartbeatAt" IS NULL OR a."LastHeartbeatAt" <= u.at)
                """, connection);
            agents.Parameters.Add(new NpgsqlParameter<int>("revoked", (int)AgentStatus.Revoked));
            agents.Parameters.Add(new NpgsqlParameter<int>("online", (int)AgentStatus.Online));
            agents.Parameters.Add(new NpgsqlParameter<Guid[]>("ids", [.. batch.Select(b => b.AgentId)]));
            agents.Parameters.Add(new NpgsqlParameter<DateTime[]>("ats", [.. batch.Select(b => b.At.UtcDateTime)]) { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz });
            agents.Parameters.Add(new NpgsqlParameter<string?[]>("versions", [.. batch.Select(b => b.Version)]) { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
            agents.Parameters.Add(new NpgsqlParameter<string?[]>("oses", [.. batch.Select(b => b.OperatingSystem)]) { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
            agents.Parameters.Add(new NpgsqlParameter<string?[]>("hosts", [.. batch.Select(b => b.HostName)]) { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
            agents.Parameters.Add(new NpgsqlParameter<string[]>("plugins", [.. batch.Select(b => b.Plugins)]) { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
            await agents.ExecuteNonQueryAsync(ct);

            var leases = batch.SelectMany(b => b.RunningRunIds.Select(r => (Run: r, b.AgentId, b.LeaseUntil))).ToList();
            if (leases.Count > 0)
            {
                await using var runs = new NpgsqlCommand(
                    """
                    UPDATE "JobRuns" AS r SET "LeaseExpiresAt" = u.lease
                    FROM unnest(@runs, @agents, @leases) AS u(id, agent, lease)
                    WHERE r."Id" = u.id AND r."AgentId" = u.agent AND r."Status" IN (@dispatched, @running)
                      AND r."LeaseExpiresAt" IS NOT NULL AND r."LeaseExpiresAt" < u.lease
                    """, connection);
                runs.Parameters.Add(new NpgsqlParameter<Guid[]>("runs", [.. leases.Select(l => l.Run)]));
                runs.Parameters.Add(new NpgsqlParameter<Guid[]>("agents", [.. leases.Select(l => l.AgentId)]));
                runs.Parameters.Add(new NpgsqlParameter<DateTime[]>("leases", [.. leases.Select(l => l.LeaseUntil.UtcDateTime)]) { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz });
                runs.Parameters.Add(new NpgsqlParameter<int>("dispatched", (int)RunStatus.Dispatched));
                runs.Parameters.Add(new NpgsqlParameter<int>("running", (int)RunStatus.Running));
                await runs.ExecuteNonQueryAsync(ct);
            }
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    private static async Task WriteSqliteAsync(HubDbContext db, IReadOnlyList<HeartbeatUpdate> batch, CancellationToken ct)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        foreach (var b in batch)
        {
            await db.Agents
                .Where(a => a.Id == b.AgentId && (a.LastHeartbeatAt == null || a.LastHeartbeatAt <= b.At))
                .ExecuteUpdateAsync(s => s
                    .SetProperty(a => a.LastHeartbeatAt, b.At)
                    .SetProperty(a => a.AgentVersion, b.Version)
                    .SetProperty(a => a.OperatingSystem, b.OperatingSystem)
                    .SetProperty(a => a.HostName, b.HostName)
                    .SetProperty(a => a.Plugins, b.Plugins)
                    .SetProperty(a => a.OfflineSince, a => a.Status == AgentStatus.Revoked ? a.OfflineSince : null)
                    .SetProperty(a => a.Status, a => a.Status == AgentStatus.Revoked ? AgentStatus.Revoked : AgentStatus.Online), ct);
            foreach (var runId in b.RunningRunIds)
            {
                await db.JobRuns
                    .Where(r => r.Id == runId && r.AgentId == b.AgentId && (r.Status == RunStatus.Dispatched || r.Status == RunStatus.Running)
                        && r.LeaseExpiresAt != null && r.LeaseExpiresAt < b.LeaseUntil)
                    .ExecuteUpdateAsync(s => s.SetProperty(r => r.LeaseExpiresAt, b.LeaseUntil), ct);
            }
        }

        await transaction.CommitAsync(ct);
    }
}
