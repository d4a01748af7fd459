using GrocerySync.Contracts;
using GrocerySync.Hub.Api;
using GrocerySync.Hub.Data;
using GrocerySync.Hub.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace GrocerySync.Hub.Features.Audit;

/// <summary>
/// Reads the audit trail. The tenant filter scopes it: platform admins see every event (platform-level ones
/// too), retailer admins only their retailer's. <see cref="AuditInterceptor"/> writes it.
/// </summary>
internal sealed class AuditService(HubDbContext db)
{
    private static readonly Ordering<AuditEvent> ListOrdering = Ordering<AuditEvent>.By("-at", e => e.Id)
        .Add("at", e => e.At)
        .Add("type", e => e.Type)
        .Add("entityType", e => e.EntityType);

    private static readonly Projection<AuditEvent, AuditEventDto> ToDto = new(e => new AuditEventDto(
        e.Id, e.RetailerId, e.Type, e.ActorUserId, e.ActorAgentId, e.ActorName, e.EntityType, e.EntityId,
        e.Changes == null ? null : JsonSettings.Parse(e.Changes), e.IpAddress, e.UserAgent, e.At));

    public Task<Outcome<PagedResult<AuditEventDto>>> ListAsync(ListQuery list, AuditListQuery filter, CancellationToken ct)
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

        return query.ToPageAsync(list, ListOrdering, ToDto.Expression, ct);
    }
}
