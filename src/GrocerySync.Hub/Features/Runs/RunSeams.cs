using GrocerySync.Hub.Data;
using GrocerySync.Hub.Data.Entities;

namespace GrocerySync.Hub.Features.Runs;

// The seams between the parts of a run's life: the scheduler and run-now queue runs (RunQueue), the dispatcher
// hands them to agents and follows them to a final state. Each side resolves IEnumerable<…> of the other's
// interface, so either works alone in its tests.

/// <summary>Told, after the transaction that queued a run committed, that the run's agent has work.</summary>
/// <remarks>
/// In-process only: it wakes this replica's long-polls at once. Other replicas find the run in the database on
/// their next poll, so a lost signal delays a run; it never loses one.
/// </remarks>
internal interface IRunQueuedListener
{
    void OnRunQueued(Guid agentId, Guid runId);
}

/// <summary>Told when a run reaches a final state, inside the unit of work that ends it (not yet saved).</summary>
/// <remarks>
/// Used for what follows from an outcome: the job's last status and consecutive-failure count, automatic pause,
/// notifications. Called once per run, whichever replica ends it.
/// </remarks>
internal interface IRunFinishedListener
{
    Task OnRunFinishedAsync(HubDbContext db, JobRun run, CancellationToken ct);
}
