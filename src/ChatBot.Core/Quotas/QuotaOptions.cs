using ChatBot.Core.Configuration;
using Microsoft.Extensions.Options;

namespace ChatBot.Core.Quotas;

/// <summary>Section <c>Quotas</c>.</summary>
public sealed class QuotaOptions
{
    public const string Section = "Quotas";

    public string PolicyFile { get; set; } = "config/quotas.json";

    /// <summary>The polite over-quota answer; {0} is the local time the quota resets.</summary>
    public string OverQuotaText { get; set; } = "今天的提问次数已用完，将于 {0} 重置。You have reached today's question limit; it resets at {0}.";

    public string OverBurstText { get; set; } = "提问太快了，请稍等一分钟再试。You are asking too fast; please wait a minute.";

    /// <summary>Told to a group whose shared daily budget (quotas.json <c>groups</c>) is spent, once per <see cref="NoticeInterval"/>; {0} is when it resets.</summary>
    public string GroupOverBudgetText { get; set; } = "本群今天的提问额度已用完，将于 {0} 重置。This group has used today's questions; the budget resets at {0}.";

    /// <summary>
    /// At most one over-quota notice per user in this time (over-burst: at most one a minute); further questions in
    /// it are acknowledged without a notice. A flood from one user then costs one send, not one per message, and
    /// cannot crowd other users' answers out of the platform's rate limits.
    /// </summary>
    public TimeSpan NoticeInterval { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// Answers one asker may have generating at once in an instance: their next question waits behind their own
    /// earlier one while other askers' questions go first, so one person's burst cannot hold every sequence.
    /// </summary>
    public int MaxInFlightPerUser { get; set; } = 1;
}

public sealed class QuotaOptionsValidator : IValidateOptions<QuotaOptions>
{
    public ValidateOptionsResult Validate(string? name, QuotaOptions options)
    {
        List<string> errors = [];
        if (options.MaxInFlightPerUser < 1)
        {
            errors.Add($"Quotas:MaxInFlightPerUser must be 1 or more (answers one asker may have generating at once); got {options.MaxInFlightPerUser}.");
        }

        if (string.IsNullOrWhiteSpace(options.PolicyFile))
        {
            errors.Add("Quotas:PolicyFile must name the quota policy (config/quotas.json by default).");
        }

        if (FormatText.Problem("Quotas:OverQuotaText", options.OverQuotaText, "2026-01-01 00:00", "the reset time") is { } problem)
        {
            errors.Add(problem);
        }

        if (FormatText.Problem("Quotas:GroupOverBudgetText", options.GroupOverBudgetText, "2026-01-01 00:00", "the reset time") is { } group)
        {
            errors.Add(group);
        }

        if (string.IsNullOrWhiteSpace(options.OverQuotaText) || string.IsNullOrWhiteSpace(options.OverBurstText))
        {
            errors.Add("Quotas:OverQuotaText and Quotas:OverBurstText must not be empty: they are what an asker over the limit is told.");
        }

        if (options.NoticeInterval < TimeSpan.Zero)
        {
            errors.Add($"Quotas:NoticeInterval '{options.NoticeInterval}' must not be negative.");
        }

        return errors.Count > 0 ? ValidateOptionsResult.Fail(errors) : ValidateOptionsResult.Success;
    }
}
