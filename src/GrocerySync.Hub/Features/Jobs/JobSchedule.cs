using Cronos;

namespace GrocerySync.Hub.Features.Jobs;

/// <summary>When a job runs next: its cron expression in its IANA time zone, daylight-saving changes included.</summary>
internal static class JobSchedule
{
    public static DateTimeOffset? NextRun(string cron, string timeZone, DateTimeOffset after)
    {
        var expression = CronExpression.Parse(cron, CronFormat.Standard);
        var zone = TimeZoneInfo.FindSystemTimeZoneById(timeZone);
        return expression.GetNextOccurrence(after, zone)?.ToUniversalTime();
    }
}
