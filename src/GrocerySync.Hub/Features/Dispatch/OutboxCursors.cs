using GrocerySync.Hub.Data;
using GrocerySync.Hub.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace GrocerySync.Hub.Features.Dispatch;

/// <summary>The part of a delivered batch the hub has not applied yet.</summary>
/// <param name="Previous">The highest sequence applied before this batch; apply only items above it.</param>
/// <param name="Highest">The highest sequence applied once this transaction commits (the acknowledgement).</param>
internal readonly record struct OutboxClaim(long Previous, long Highest)
{
    public bool HasNewItems => Highest > Previous;
}

/// <summary>Raised when another request claimed the same outbox range first; the batch is retried from the start.</summary>
internal sealed class OutboxClaimLostException : Exception
{
    public OutboxClaimLostException()
        : base("Another delivery of this outbox was applied first.")
    {
    }

    public OutboxClaimLostException(string message)
        : base(message)
    {
    }

    public OutboxClaimLostException(string message, Exception inner)
        : base(message, inner)
    {
    }
}

/// <summary>
/// Exactly-once delivery by sequence (AgentProtocol.cs): inside the transaction that applies a batch, the highest
/// applied sequence of the outbox moves from what was read to the batch's highest with a conditional update (or the
/// first insert). A concurrent delivery of the same outbox loses that race, rolls back and is retried, and then
/// finds the items applied: a resent batch is applied once.
/// </summary>
internal static class OutboxCursors
{
    public static async Task<OutboxClaim> ClaimAsync(HubDbContext db, Guid agentId, Guid retailerId, Guid outboxId, long batchHighest, DateTimeOffset now, CancellationToken ct)
    {
        var stored = await db.OutboxCursors.AsNoTracking()
            .Where(c => c.AgentId == agentId && c.OutboxId == outboxId)
            .Select(c => (long?)c.HighestSequence)
            .SingleOrDefaultAsync(ct);
        if (stored is null)
        {
            if (batchHighest <= 0)
            {
                return new OutboxClaim(0, 0);
            }

            db.OutboxCursors.Add(new OutboxCursor { AgentId = agentId, OutboxId = outboxId, RetailerId = retailerId, HighestSequence = batchHighest, UpdatedAt = now });
            try
            {
                await db.SaveChangesAsync(ct);
            }
            catch (DbUpdateException ex)
            {
                throw new OutboxClaimLostException("Another delivery created this outbox's cursor first.", ex);
            }

            return new OutboxClaim(0, batchHighest);
        }

        var previous = stored.Value;
        if (batchHighest <= previous)
        {
            return new OutboxClaim(previous, previous);
        }

        var moved = await db.OutboxCursors
            .Where(c => c.AgentId == agentId && c.OutboxId == outboxId && c.HighestSequence == previous)
            .ExecuteUpdateAsync(s => s.SetProperty(c => c.HighestSequence, batchHighest).SetProperty(c => c.UpdatedAt, now), ct);
        return moved == 1 ? new OutboxClaim(previous, batchHighest) : throw new OutboxClaimLostException();
    }

    /// <summary>Runs <paramref name="apply"/> in a transaction, retrying (from a clean context) when the claim was lost.</summary>
    public static async Task<T> InTransactionAsync<T>(HubDbContext db, Func<CancellationToken, Task<T>> apply, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            await using var transaction = await db.Database.BeginTransactionAsync(ct);
            try
            {
                var result = await apply(ct);
                await transaction.CommitAsync(ct);
                return result;
            }
            catch (OutboxClaimLostException) when (attempt < 5)
            {
                await transaction.RollbackAsync(ct);
                db.ChangeTracker.Clear();
            }
        }
    }
}
