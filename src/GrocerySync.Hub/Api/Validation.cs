using System.ComponentModel.DataAnnotations;
using Cronos;

namespace GrocerySync.Hub.Api;

/// <summary>A standard five-field cron expression (minute hour day-of-month month day-of-week).</summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Parameter)]
public sealed class CronAttribute : ValidationAttribute
{
    public CronAttribute()
        : base("Must be a five-field cron expression, e.g. '30 2 * * *' for 02:30 every day.")
    {
    }

    public override bool IsValid(object? value) => value is not string text || TryParse(text, out _);

    public static bool TryParse(string text, out CronExpression? expression) =>
        CronExpression.TryParse(text, CronFormat.Standard, out expression);
}

/// <summary>An IANA time zone id known to this machine, e.g. <c>Europe/Amsterdam</c>.</summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Parameter)]
public sealed class IanaTimeZoneAttribute : ValidationAttribute
{
    public IanaTimeZoneAttribute()
        : base("Must be an IANA time zone id such as 'Europe/Amsterdam' or 'America/New_York'.")
    {
    }

    public override bool IsValid(object? value) =>
        value is not string text || (TimeZoneInfo.TryFindSystemTimeZoneById(text, out var zone) && zone.HasIanaId);
}
