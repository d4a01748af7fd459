using System.Collections.Concurrent;
using GrocerySync.Contracts.Agents;

namespace GrocerySync.Agent.Runs;

/// <summary>Why a run was stopped before it ended by itself.</summary>
internal enum StopReason
{
    /// <summary>The hub asked (a user cancelled, or the hub already ended the run).</summary>
    CancelledByHub = 0,

    /// <summary>The run's timeout passed.</summary>
    TimedOut = 1,

    /// <summary>The agent is stopping and the grace period passed.</summary>
    AgentStopping = 2,
}

/// <summary>One run the agent holds, from receipt to its Finished event.</summary>
internal sealed class RunHandle(RunSpec spec, DateTimeOffset receivedAt) : IDisposable
{
    private int _reason = -1;

    public RunSpec Spec { get; } = spec;

    public DateTimeOffset ReceivedAt { get; } = receivedAt;

    public DateTimeOffset? StartedAt { get; set; }

    /// <summary>Cancelled to stop the run; <see cref="Reason"/> says why.</summary>
    public CancellationTokenSource Stop { get; } = new();

    public StopReason? Reason => _reason < 0 ? null : (StopReason)_reason;

    /// <summary>Completes after the run's Finished event is in the outbox.</summary>
    public Task Completion { get; set; } = Task.CompletedTask;

    /// <summary>Stops the run; the first reason wins.</summary>
    public bool RequestStop(StopReason reason)
    {
        if (Interlocked.CompareExchange(ref _reason, (int)reason, -1) != -1)
        {
            return false;
        }

        try
        {
            Stop.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The run ended meanwhile.
        }

        return true;
    }

    public void Dispose() => Stop.Dispose();
}

/// <summary>The runs this agent holds now (queued locally or executing), for heartbeats, cancels and shutdown.</summary>
internal sealed class RunRegistry(TimeProvider time)
{
    private const int RememberFinished = 1000;
    private readonly ConcurrentDictionary<Guid, RunHandle> _runs = new();
    private readonly Queue<Guid> _finishedOrder = new();
    private readonly HashSet<Guid> _finished = [];
    private readonly Lock _lock = new();

    /// <summary>Raised when a run was added or removed.</summary>
    public event Action? Changed;

    public IReadOnlyList<RunHandle> All => [.. _runs.Values.OrderBy(r => r.ReceivedAt)];

    public IReadOnlyList<Guid> Ids => [.. All.Select(r => r.Spec.RunId)];

    public int Count => _runs.Count;

    /// <summary>Takes a run; false when this agent already has it or ended it (a dispatch repeated by the hub).</summary>
    public bool TryAdd(RunSpec spec, out RunHandle handle)
    {
        lock (_lock)
        {
            handle = new RunHandle(spec, time.GetUtcNow());
            if (_finished.Contains(spec.RunId) || !_runs.TryAdd(spec.RunId, handle))
            {
                handle.Dispose();
                return false;
            }
        }

        Changed?.Invoke();
        return true;
    }

    public void Complete(RunHandle handle)
    {
        lock (_lock)
        {
            _runs.TryRemove(handle.Spec.RunId, out _);
            if (_finished.Add(handle.Spec.RunId))
            {
                _finishedOrder.Enqueue(handle.Spec.RunId);
                if (_finishedOrder.Count > RememberFinished)
                {
                    _finished.Remove(_finishedOrder.Dequeue());
                }
            }
        }

        Changed?.Invoke();
    }

    /// <summary>Stops a run if this agent has it.</summary>
    public bool Cancel(Guid runId, StopReason reason) => _runs.TryGetValue(runId, out var run) && run.RequestStop(reason);

    public void NotifyChanged() => Changed?.Invoke();
}
