using System.Net.Mail;
using GrocerySync.Contracts;
using GrocerySync.Hub.Api;
using GrocerySync.Hub.Data;
using GrocerySync.Hub.Data.Entities;
using GrocerySync.Hub.Tenancy;
using Microsoft.EntityFrameworkCore;

namespace GrocerySync.Hub.Features.NotificationRules;

/// <summary>Notification rules: which event is reported through which channel to whom.</summary>
internal sealed class NotificationRuleService(HubDbContext db, RetailerScope scope)
{
    private static readonly Ordering<NotificationRule> ListOrdering = Ordering<NotificationRule>.By("name", r => r.Id)
        .Add("name", r => r.Name)
        .Add("event", r => r.Event)
        .Add("channel", r => r.Channel)
        .Add("createdAt", r => r.CreatedAt)
        .Add("updatedAt", r => r.UpdatedAt);

    private static readonly Projection<NotificationRule, NotificationRuleDto> ToDto = new(r => new NotificationRuleDto(
        r.Id, r.RetailerId, r.Name, r.Event, r.Channel, r.Target, r.JobId, r.Enabled, r.CreatedAt, r.UpdatedAt, r.Version));

    public Task<Outcome<PagedResult<NotificationRuleDto>>> ListAsync(ListQuery list, NotificationRuleListQuery filter, CancellationToken ct)
    {
        var query = db.NotificationRules.AsNoTracking();
        if (!string.IsNullOrWhiteSpace(list.Search))
        {
            var term = list.Search.Trim().ToLower();
            query = query.Where(r => r.Name.ToLower().Contains(term) || r.Target.ToLower().Contains(term));
        }

        if (filter.RetailerId is { } retailerId)
        {
            query = query.Where(r => r.RetailerId == retailerId);
        }

        if (filter.Event is { } @event)
        {
            query = query.Where(r => r.Event == @event);
        }

        if (filter.Channel is { } channel)
        {
            query = query.Where(r => r.Channel == channel);
        }

        if (filter.JobId is { } jobId)
        {
            query = query.Where(r => r.JobId == jobId);
        }

        if (filter.Enabled is { } enabled)
        {
            query = query.Where(r => r.Enabled == enabled);
        }

        return query.ToPageAsync(list, ListOrdering, ToDto.Expression, ct);
    }

    public async Task<Outcome<NotificationRuleDto>> GetAsync(Guid id, CancellationToken ct) =>
        await db.NotificationRules.AsNoTracking().SingleOrDefaultAsync(r => r.Id == id, ct) is { } rule ? ToDto.From(rule) : Outcome.NotFound;

    public async Task<Outcome<NotificationRuleDto>> CreateAsync(CreateNotificationRuleRequest request, CancellationToken ct)
    {
        var retailer = await scope.ForCreateAsync(request.RetailerId, ct);
        if (retailer.Kind != OutcomeKind.Ok)
        {
            return new Outcome(retailer.Kind, retailer.Errors, retailer.Detail);
        }

        var rule = new NotificationRule { RetailerId = retailer.Value, Name = request.Name, Target = request.Target };
        if (await ApplyAsync(rule, request, ct) is { } invalid)
        {
            return invalid;
        }

        db.NotificationRules.Add(rule);
        await db.SaveChangesAsync(ct);
        return ToDto.From(rule);
    }

    public async Task<Outcome<NotificationRuleDto>> UpdateAsync(Guid id, UpdateNotificationRuleRequest request, CancellationToken ct)
    {
        var rule = await db.NotificationRules.SingleOrDefaultAsync(r => r.Id == id, ct);
        if (rule is null)
        {
            return Outcome.NotFound;
        }

        if (rule.Version != request.Version.GetValueOrDefault())
        {
            return Outcome.StaleVersion;
        }

        if (await ApplyAsync(rule, request, ct) is { } invalid)
        {
            return invalid;
        }

        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            return Outcome.StaleVersion;
        }

        return ToDto.From(rule);
    }

    public async Task<Outcome<bool>> DeleteAsync(Guid id, CancellationToken ct)
    {
        var rule = await db.NotificationRules.SingleOrDefaultAsync(r => r.Id == id, ct);
        if (rule is null)
        {
            return Outcome.NotFound;
        }

        db.NotificationRules.Remove(rule);
        await db.SaveChangesAsync(ct);
        return true;
    }

    /// <summary>Whether <paramref name="target"/> suits <paramref name="channel"/>; answers the reason when not.</summary>
    public static string? CheckTarget(NotificationChannel channel, string target)
    {
        if (channel == NotificationChannel.Email)
        {
            // MailAddress also accepts "Name <a@b>" and surrounding text; only a bare address is a target.
            return MailAddress.TryCreate(target, out var address) && address.Address == target && address.Host.Contains('.', StringComparison.Ordinal)
                ? null
                : "The Email channel needs an email address, e.g. 'ops@example.com'.";
        }

        return Uri.TryCreate(target, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp) && uri.Host.Length > 0
            ? null
            : $"The {channel} channel needs an absolute http or https URL, e.g. 'https://hooks.example.com/grocerysync'.";
    }

    /// <summary>Copies the editable fields after checking them against the rule's retailer; changes nothing when invalid.</summary>
    private async Task<Outcome?> ApplyAsync(NotificationRule rule, NotificationRuleFields request, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        var retailerId = rule.RetailerId;
        var name = request.Name.Trim();
        var target = request.Target.Trim();
        if (await db.NotificationRules.AnyAsync(r => r.RetailerId == retailerId && r.Name == name && r.Id != rule.Id, ct))
        {
            errors["name"] = [$"A notification rule named '{name}' exists already."];
        }

        var channel = request.Channel.GetValueOrDefault();
        if (CheckTarget(channel, target) is { } targetError)
        {
            errors["target"] = [targetError];
        }

        if (request.JobId is { } jobId && !await db.Jobs.AnyAsync(j => j.Id == jobId && j.RetailerId == retailerId, ct))
        {
            errors["jobId"] = ["No job with this id in the rule's retailer."];
        }

        if (errors.Count > 0)
        {
            return Outcome.Invalid(errors);
        }

        rule.Name = name;
        rule.Event = request.Event.GetValueOrDefault();
        rule.Channel = channel;
        rule.Target = target;
        rule.JobId = request.JobId;
        rule.Enabled = request.Enabled;
        return null;
    }
}
