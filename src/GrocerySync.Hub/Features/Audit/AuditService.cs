using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using GrocerySync.Contracts;
using GrocerySync.Hub.Api;
using GrocerySync.Hub.Data;
using GrocerySync.Hub.Data.Entities;
using GrocerySync.Hub.Tenancy;
using Microsoft.EntityFrameworkCore;

namespace GrocerySync.Hub.Features.Audit;

/// <summary>
/// Reads the audit trail. The tenant filter scopes it: platform admins see every event (platform-level ones
/// too), retailer admins only their retailer's. <see cref="AuditInterceptor"/> and <see cref="AuditLog"/> write it.
/// </summary>
internal sealed class AuditService(HubDbContext db, CurrentUser caller, TimeProvider time)
{
    private static readonly Ordering<AuditEvent> ListOrdering = Ordering<AuditEvent>.By("-at", e => e.Id)
        .Add("at", e => e.At)
        .Add("type", e => e.Type)
        .Add("entityType", e => e.EntityType);

    private static readonly Projection<AuditEvent, AuditEventDto> ToDto = new(e => new AuditEventDto(
        e.Id, e.RetailerId, e.Type, e.ActorUserId, e.ActorAgentId, e.ActorName, e.EntityType, e.EntityId,
        e.Changes == null ? null : JsonSettings.Parse(e.Changes), e.IpAddress, e.UserAgent, e.At, e.Sequence, e.Hash));

    public Task<Outcome<PagedResult<AuditEventDto>>> ListAsync(ListQuery list, AuditListQuery filter, CancellationToken ct) =>
        Filtered(list, filter).ToPageAsync(list, ListOrdering, ToDto.Expression, ct);

    /// <summary>The filtered list in the requested order, every page, as CSV rows; or why the request is invalid.</summary>
    public Outcome<IAsyncEnumerable<string>> Export(ListQuery list, AuditListQuery filter)
    {
        var ordered = ListOrdering.Apply(Filtered(list, filter), list.Ordering, out var error);
        return error is null ? new Outcome<IAsyncEnumerable<string>>(OutcomeKind.Ok, Rows(ordered), null, null) : Outcome.Invalid("ordering", error);
    }

    private static async IAsyncEnumerable<string> Rows(IQueryable<AuditEvent> ordered, [EnumeratorCancellation] CancellationToken ct = default)
    {
        yield return Csv.Row("id", "at", "retailerId", "type", "actorUserId", "actorAgentId", "actorName", "entityType", "entityId", "changes", "ipAddress", "userAgent", "sequence", "hash");
        await foreach (var e in ordered.AsAsyncEnumerable().WithCancellation(ct))
        {
            yield return Csv.Row(
                e.Id.ToString(CultureInfo.InvariantCulture),
                e.At.ToString("O", CultureInfo.InvariantCulture),
                e.RetailerId?.ToString(),
                e.Type.ToString(),
                e.ActorUserId?.ToString(),
                e.ActorAgentId?.ToString(),
                e.ActorName,
                e.EntityType,
                e.EntityId?.ToString(),
                e.Changes,
                e.IpAddress,
                e.UserAgent,
                e.Sequence.ToString(CultureInfo.InvariantCulture),
                e.Hash);
        }
    }

    /// <summary>
    /// Walks one chain from its anchor to its head and reports the first entry that does not hold: a changed
    /// entry (its hash no longer matches its content), a removed or reordered one (a sequence gap or a broken
    /// previous-hash link), or a removed tail (the head names a later entry than the last one found).
    /// Retailer admins verify their own retailer's chain; platform admins name one, or get the platform chain.
    /// </summary>
    public async Task<AuditVerificationDto> VerifyAsync(Guid? requestedRetailerId, CancellationToken ct)
    {
        var retailerId = caller.SeesAllRetailers ? requestedRetailerId : caller.RetailerId;
        var chainId = AuditChain.IdFor(retailerId);
        var head = await db.AuditChains.AsNoTracking().SingleOrDefaultAsync(h => h.Id == chainId, ct)
            ?? new AuditChain { Id = chainId, LastHash = AuditChains.Genesis, AnchorHash = AuditChains.Genesis };

        var expectedSequence = head.AnchorSequence + 1;
        var previous = head.AnchorHash;
        long checkedCount = 0;
        var entries = db.AuditEvents.AsNoTracking()
            .Where(e => e.RetailerId == retailerId && e.Sequence > head.AnchorSequence && e.Sequence <= head.LastSequence)
            .OrderBy(e => e.Sequence);
        await foreach (var entry in entries.AsAsyncEnumerable().WithCancellation(ct))
        {
            var problem = entry.Sequence != expectedSequence
                ? $"The entry before this one is missing: expected sequence {expectedSequence}, found {entry.Sequence}."
                : entry.PreviousHash != previous
                    ? "The link to the previous entry is broken: its recorded previous hash is not the previous entry's hash."
                    : AuditChains.HashOf(entry) != entry.Hash
                        ? "The entry was changed after it was written: its content no longer matches its hash."
                        : null;
            if (problem is not null)
            {
                return Broken(entry.Id, entry.Sequence, problem);
            }

            checkedCount++;
            expectedSequence++;
            previous = entry.Hash;
        }

        if (expectedSequence - 1 != head.LastSequence || previous != head.LastHash)
        {
            return Broken(null, expectedSequence, $"Entries from sequence {expectedSequence} to {head.LastSequence} are missing: the chain head names a later entry than the last one stored.");
        }

        return new AuditVerificationDto(retailerId, true, checkedCount, null, null, null, head.AnchorSequence, head.LastSequence, time.GetUtcNow());

        AuditVerificationDto Broken(long? id, long sequence, string problem) =>
            new(retailerId, false, checkedCount, id, sequence, problem, head.AnchorSequence, head.LastSequence, time.GetUtcNow());
    }

    private IQueryable<AuditEvent> Filtered(ListQuery list, AuditListQuery filter)
    {
        var query = db.AuditEvents.AsNoTracking();
        if (!string.IsNullOrWhiteSpace(list.Search))
        {
            var term = list.Search.Trim().ToLower();
            query = query.Where(e => e.ActorName != null && e.ActorName.ToLower().Contains(term));
        }

        if (filter.RetailerId is { } retailerId)
        {
            query = query.Where(e => e.RetailerId == retailerId);
        }

        if (filter.ActorUserId is { } actor)
        {
            query = query.Where(e => e.ActorUserId == actor);
        }

        if (filter.ActorAgentId is { } agent)
        {
            query = query.Where(e => e.ActorAgentId == agent);
        }

        if (!string.IsNullOrWhiteSpace(filter.EntityType))
        {
            var entityType = filter.EntityType.Trim();
            query = query.Where(e => e.EntityType == entityType);
        }

        if (filter.EntityId is { } entityId)
        {
            query = query.Where(e => e.EntityId == entityId);
        }

        if (filter.Type is { } type)
        {
            query = query.Where(e => e.Type == type);
        }

        if (filter.From is { } from)
        {
            query = query.Where(e => e.At >= from);
        }

        if (filter.To is { } to)
        {
            query = query.Where(e => e.At < to);
        }

        return query;
    }
}

/// <summary>RFC 4180 rows, with spreadsheet formula injection defused (a cell starting with = + - @ gets a leading ').</summary>
internal static class Csv
{
    public static string Row(params string?[] cells)
    {
        var row = new StringBuilder();
        for (var i = 0; i < cells.Length; i++)
        {
            if (i > 0)
            {
                row.Append(',');
            }

            var cell = cells[i] ?? string.Empty;
            if (cell.Length > 0 && cell[0] is '=' or '+' or '-' or '@' or '\t' or '\r')
            {
                cell = "'" + cell;
            }

            if (cell.AsSpan().IndexOfAny(",\"\r\n") >= 0)
            {
                row.Append('"').Append(cell.Replace("\"", "\"\"", StringComparison.Ordinal)).Append('"');
            }
            else
            {
                row.Append(cell);
            }
        }

        return row.Append("\r\n").ToString();
    }
}
