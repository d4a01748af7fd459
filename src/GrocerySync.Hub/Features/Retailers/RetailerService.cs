using GrocerySync.Contracts;
using GrocerySync.Hub.Api;
using GrocerySync.Hub.Data;
using GrocerySync.Hub.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace GrocerySync.Hub.Features.Retailers;

/// <summary>Retailers (tenants). Platform admins manage them; other users see only their own.</summary>
internal sealed class RetailerService(HubDbContext db, Tenancy.CurrentUser caller)
{
    private static readonly Ordering<Retailer> ListOrdering = Ordering<Retailer>.By("name", r => r.Id)
        .Add("name", r => r.Name)
        .Add("slug", r => r.Slug)
        .Add("status", r => r.Status)
        .Add("createdAt", r => r.CreatedAt);

    private IQueryable<Retailer> Visible => caller.SeesAllRetailers ? db.Retailers : db.Retailers.Where(r => r.Id == caller.FilterRetailerId);

    public Task<Outcome<PagedResult<RetailerDto>>> ListAsync(ListQuery list, RetailerListQuery filter, CancellationToken ct)
    {
        var query = Visible.AsNoTracking();
        if (!string.IsNullOrWhiteSpace(list.Search))
        {
            var term = list.Search.Trim().ToLower();
            query = query.Where(r => r.Name.ToLower().Contains(term) || r.Slug.Contains(term));
        }

        if (filter.Status is { } status)
        {
            query = query.Where(r => r.Status == status);
        }

        return query.ToPageAsync(list, ListOrdering, ToDto.Expression, ct);
    }

    public async Task<Outcome<RetailerDto>> GetAsync(Guid id, CancellationToken ct) =>
        await Visible.AsNoTracking().Where(r => r.Id == id).Select(ToDto.Expression).SingleOrDefaultAsync(ct) is { } dto ? dto : Outcome.NotFound;

    public async Task<Outcome<RetailerDto>> CreateAsync(CreateRetailerRequest request, CancellationToken ct)
    {
        if (await db.Retailers.AnyAsync(r => r.Slug == request.Slug, ct))
        {
            return Outcome.Invalid("slug", $"A retailer with slug '{request.Slug}' exists already.");
        }

        var retailer = new Retailer { Name = request.Name.Trim(), Slug = request.Slug, TimeZone = request.TimeZone };
        db.Retailers.Add(retailer);
        await db.SaveChangesAsync(ct);
        return ToDto.From(retailer);
    }

    public async Task<Outcome<RetailerDto>> UpdateAsync(Guid id, UpdateRetailerRequest request, CancellationToken ct)
    {
        var retailer = await Visible.SingleOrDefaultAsync(r => r.Id == id, ct);
        if (retailer is null)
        {
            return Outcome.NotFound;
        }

        if (retailer.Version != request.Version)
        {
            return Outcome.StaleVersion;
        }

        retailer.Name = request.Name.Trim();
        retailer.TimeZone = request.TimeZone;
        retailer.Status = request.Status;
        await db.SaveChangesAsync(ct);
        return ToDto.From(retailer);
    }

    public async Task<Outcome<bool>> DeleteAsync(Guid id, CancellationToken ct)
    {
        var retailer = await Visible.SingleOrDefaultAsync(r => r.Id == id, ct);
        if (retailer is null)
        {
            return Outcome.NotFound;
        }

        if (await db.Agents.IgnoreQueryFilters().AnyAsync(a => a.RetailerId == id, ct)
            || await db.Users.IgnoreQueryFilters().AnyAsync(u => u.RetailerId == id, ct)
            || await db.Destinations.IgnoreQueryFilters().AnyAsync(d => d.RetailerId == id, ct))
        {
            return Outcome.Conflict("The retailer still has users, agents or destinations. Remove them first, or suspend the retailer instead.");
        }

        db.Retailers.Remove(retailer);
        await db.SaveChangesAsync(ct);
        return true;
    }

    private static readonly Projection<Retailer, RetailerDto> ToDto =
        new(r => new RetailerDto(r.Id, r.Name, r.Slug, r.TimeZone, r.Status, r.CreatedAt, r.UpdatedAt, r.Version));
}
