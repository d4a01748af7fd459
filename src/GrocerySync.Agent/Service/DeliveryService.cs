using GrocerySync.Agent.Configuration;
using GrocerySync.Agent.Hub;
using GrocerySync.Agent.Logging;
using GrocerySync.Agent.Outbox;
using GrocerySync.Agent.Runs;
using GrocerySync.Contracts.Agents;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace GrocerySync.Agent.Service;

/// <summary>The outbox ids, which change only when the hub turns out to be ahead of this folder.</summary>
internal sealed class AgentStateHolder(AgentState state)
{
    private AgentState _state = state;

    public AgentState Current => Volatile.Read(ref _state);

    public void Set(AgentState state) => Volatile.Write(ref _state, state);
}

/// <summary>
/// Delivers the outbox: events, then log lines, in sequence order, in batches, as soon as they are written and the
/// hub answers; deletes up to the acknowledged sequence. When the hub is down it backs off and tries again; nothing
/// is removed before the hub confirmed it. On stop it makes one last short attempt; what is left waits for the next start.
/// </summary>
internal sealed class DeliveryService(
    HubClient hub,
    AgentOutbox outbox,
    AgentStateHolder state,
    AgentFolder folder,
    RunRegistry runs,
    Connectivity connectivity,
    TimeProvider time,
    IOptions<AgentOptions> options,
    ILogger<DeliveryService> logger) : BackgroundService
{
    private static readonly TimeSpan FinalFlush = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan IdleWait = TimeSpan.FromSeconds(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var more = await DeliverOnceAsync(stoppingToken);
                failures = 0;
                if (!more)
                {
                    await outbox.WaitForItemsAsync(IdleWait, stoppingToken);
                }
            }
            catch (HubUnavailableException ex)
            {
                connectivity.Failed(ex);
                await DelayAsync(connectivity.BackOff(++failures), stoppingToken);
            }
            catch (HubRejectedException ex)
            {
                logger.HubRejected("delivery", ex.Message);
                await DelayAsync(connectivity.BackOff(++failures), stoppingToken);
            }
            catch (NoProgressException)
            {
                await DelayAsync(connectivity.BackOff(++failures), stoppingToken);
            }
            catch (AgentRevokedException)
            {
                return;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        using var last = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        last.CancelAfter(FinalFlush);
        try
        {
            while (await DeliverOnceAsync(last.Token))
            {
            }
        }
#pragma warning disable CA1031 // Best effort: whatever is not delivered now stays in the outbox for the next start.
        catch (Exception)
        {
        }
#pragma warning restore CA1031
    }

    /// <summary>Delivers one batch of events and one of log lines; true when more are waiting.</summary>
    private async Task<bool> DeliverOnceAsync(CancellationToken cancellationToken)
    {
        var more = false;
        var events = await outbox.PeekEventsAsync(options.Value.EventBatchSize, cancellationToken);
        if (events.Count > 0)
        {
            BatchAcknowledgement ack;
            try
            {
                ack = await hub.SendEventsAsync(new EventBatch(state.Current.OutboxId, events), cancellationToken);
            }
            catch
            {
                outbox.EndDelivery(logs: false);
                throw;
            }

            connectivity.Succeeded();
            ApplyCancels(ack);
            if (!await CheckAheadAsync(ack.AcknowledgedSequence, logs: false, cancellationToken))
            {
                await outbox.AcknowledgeEventsAsync(ack.AcknowledgedSequence, cancellationToken);
                ThrowIfNoProgress(ack.AcknowledgedSequence, events[0].Sequence);
            }

            more = events.Count >= options.Value.EventBatchSize || ack.AcknowledgedSequence < events[^1].Sequence;
        }

        var (lines, dropped) = await outbox.PeekLogsAsync(options.Value.LogBatchSize, cancellationToken);
        if (lines.Count > 0)
        {
            BatchAcknowledgement ack;
            try
            {
                ack = await hub.SendLogsAsync(new LogBatch(state.Current.LogOutboxId, lines, dropped), cancellationToken);
            }
            catch
            {
                outbox.EndDelivery(logs: true);
                throw;
            }

            connectivity.Succeeded();
            ApplyCancels(ack);
            if (!await CheckAheadAsync(ack.AcknowledgedSequence, logs: true, cancellationToken))
            {
                // The dropped count travelled with this batch; it is settled once the hub has the whole batch.
                await outbox.AcknowledgeLogsAsync(ack.AcknowledgedSequence, ack.AcknowledgedSequence >= lines[^1].Sequence ? dropped : 0, cancellationToken);
                ThrowIfNoProgress(ack.AcknowledgedSequence, lines[0].Sequence);
            }

            more |= lines.Count >= options.Value.LogBatchSize || ack.AcknowledgedSequence < lines[^1].Sequence;
        }

        return more;
    }

    /// <summary>
    /// A hub that has stored more of this outbox than it ever numbered is ahead of a restored or copied folder: items
    /// with lower sequences would be skipped. The outbox gets a new id and its items are sent again under it.
    /// </summary>
    private async Task<bool> CheckAheadAsync(long acknowledged, bool logs, CancellationToken cancellationToken)
    {
        var last = await outbox.LastAssignedAsync(logs, cancellationToken);
        if (acknowledged <= last)
        {
            return false;
        }

        logger.OutboxIdRenewed(logs ? "log outbox" : "event outbox", acknowledged, last);
        outbox.EndDelivery(logs);
        state.Set(await AgentStateStore.RenewOutboxIdAsync(folder, logs, time, cancellationToken));
        return true;
    }

    private void ApplyCancels(BatchAcknowledgement ack)
    {
        foreach (var id in ack.CancelRunIds ?? [])
        {
            if (runs.Cancel(id, StopReason.CancelledByHub))
            {
                logger.RunCancelRequested(id, "the hub asked in a batch acknowledgement");
            }
        }
    }

    /// <summary>A hub that acknowledges none of a batch would be sent the same batch in a tight loop: back off instead.</summary>
    private static void ThrowIfNoProgress(long acknowledged, long first)
    {
        if (acknowledged < first)
        {
            throw new NoProgressException();
        }
    }

    private async Task DelayAsync(TimeSpan delay, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(delay, time, cancellationToken);
        }
        catch (OperationCanceledException)
        {
        }
    }

    private sealed class NoProgressException : Exception
    {
        public NoProgressException()
            : base("The hub acknowledged none of the batch.")
        {
        }

        public NoProgressException(string message)
            : base(message)
        {
        }

        public NoProgressException(string message, Exception innerException)
            : base(message, innerException)
        {
        }
    }
}
