namespace ChatBot.Core.Quotas;

/// <summary>The quota day: it ends at local midnight in the policy's time zone, whatever the server's zone.</summary>
public readonly record struct QuotaDay(DateOnly Date, DateTimeOffset ResetsAt)
{
    public static QuotaDay At(DateTimeOffset now, TimeZoneInfo zone)
    {
        var local = TimeZoneInfo.ConvertTime(now, zone);
        var date = DateOnly.FromDateTime(local.DateTime);
        var nextMidnight = local.Date.AddDays(1);
        // The offset at the next midnight, which a DST change may make differ from today's.
        var resetsAt = new DateTimeOffset(nextMidnight, zone.GetUtcOffset(nextMidnight));
        return new QuotaDay(date, resetsAt);
    }

    public string Key => Date.ToString("yyyyMMdd", System.Globalization.CultureInfo.InvariantCulture);
}
