using System.Collections.Concurrent;
using GrocerySync.Hub.Features.Runs;

namespace GrocerySync.Hub.Features.Dispatch;

/// <summary>
/// Wakes this replica's long-polls of an agent when a run is queued for it. A poll takes the signal before it reads
/// the database, so a run queued in between is either seen by the read or wakes the wait: no wake-up is lost.
/// </summary>
internal sealed class WorkSignals : IRunQueuedListener
{
    private readonly ConcurrentDictionary<Guid, TaskCompletionSource> _signals = new();

    /// <summary>A task that completes the next time work is queued for the agent.</summary>
    public Task NextAsync(Guid agentId) =>
        _signals.GetOrAdd(agentId, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    public void OnRunQueued(Guid agentId, Guid runId) => Signal(agentId);

    public void Signal(Guid agentId)
    {
        if (_signals.TryRemove(agentId, out var signal))
        {
            signal.TrySetResult();
        }
    }
}
