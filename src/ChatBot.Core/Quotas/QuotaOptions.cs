namespace ChatBot.Core.Quotas;

/// <summary>Section <c>Quotas</c>.</summary>
public sealed class QuotaOptions
{
    public const string Section = "Quotas";

    public string PolicyFile { get; set; } = "config/quotas.json";

    /// <summary>The polite over-quota answer; {0} is the local time the quota resets.</summary>
    public string OverQuotaText { get; set; } = "今天的提问次数已用完，将于 {0} 重置。You have reached today's question limit; it resets at {0}.";

    public string OverBurstText { get; set; } = "提问太快了，请稍等一分钟再试。You are asking too fast; please wait a minute.";

    /// <summary>
    /// At most one over-quota notice per user in this time (over-burst: at most one a minute); further questions in
    /// it are acknowledged without a notice. A flood from one user then costs one send, not one per message, and
    /// cannot crowd other users' answers out of the platform's rate limits.
    /// </summary>
    public TimeSpan NoticeInterval { get; set; } = TimeSpan.FromMinutes(10);
}
