using Cronos;

namespace GrocerySync.Hub.Features.Jobs;

/// <summary>
/// When a job runs: its five-field cron expression in its IANA time zone, evaluated by Cronos. Across daylight-saving
/// changes a daily time runs once: a time the clocks skip runs at the moment they jump (02:30 on a spring-forward
/// night runs at 03:00), and a time they pass twice runs at its first pass only (01:30 on a fall-back night runs at
/// 01:30 daylight time). Expressions that repeat within the hour (<c>*/15 * * * *</c>) keep their interval in real time.
/// </summary>
internal static class JobSchedule
{
    /// <summary>The first occurrence after <paramref name="after"/> (exclusive), in UTC; null when the expression never matches again.</summary>
    public static DateTimeOffset? NextRun(string cron, string timeZone, DateTimeOffset after) =>
        Parse(cron).GetNextOccurrence(after, Zone(timeZone))?.ToUniversalTime();

    /// <summary>Up to <paramref name="count"/> occurrences from <paramref name="first"/> (inclusive), in the job's zone.</summary>
    public static IReadOnlyList<DateTimeOffset> Occurrences(string cron, string timeZone, DateTimeOffset first, int count)
    {
        var expression = Parse(cron);
        var zone = Zone(timeZone);
        var occurrences = new List<DateTimeOffset>(count);
        var next = expression.GetNextOccurrence(first, zone, inclusive: true);
        while (next is { } at && occurrences.Count < count)
        {
            occurrences.Add(at);
            next = expression.GetNextOccurrence(at, zone);
        }

        return occurrences;
    }

    /// <summary>An instant as the job's zone shows it, with that zone's offset at the time.</summary>
    public static DateTimeOffset InZone(DateTimeOffset instant, string timeZone) => TimeZoneInfo.ConvertTime(instant, Zone(timeZone));

    private static CronExpression Parse(string cron) => CronExpression.Parse(cron, CronFormat.Standard);

    private static TimeZoneInfo Zone(string timeZone) => TimeZoneInfo.FindSystemTimeZoneById(timeZone);
}
