using ChatBot.Core.AdminFiles;
using ChatBot.Core.Messages;
using ChatBot.Core.Observability;

namespace ChatBot.Core.Quotas;

/// <summary>Decides whether a sender may ask now, and charges the question against the policy in force.</summary>
public sealed class QuotaGate(HotReloadedFile<QuotaPolicy> policy, IQuotaLedger ledger, TimeProvider clock, ChatBotMetrics metrics)
{
    public async Task<QuotaDecision> ChargeAsync(InboundMessage message, CancellationToken cancellationToken)
    {
        var current = policy.Current;
        var now = clock.GetUtcNow();
        var day = QuotaDay.At(now, current.Zone);
        var limit = current.LimitFor(message.SenderId, message.SenderDepartment, message.ChatId);
        if (limit is null)
        {
            return new QuotaDecision(true, false, day, QuotaVerdict.Charged, Used: 0, Limit: null);
        }

        if (limit == 0)
        {
            metrics.Quota("denied");
            return new QuotaDecision(false, false, day, QuotaVerdict.OverDaily, Used: 0, Limit: 0);
        }

        var charge = await ledger.TryChargeAsync(UserKey(message), message.DedupeKey, day, limit.Value, current.BurstPerMinute, now, cancellationToken);
        var charged = charge.Verdict == QuotaVerdict.Charged;
        metrics.Quota(charged ? "charged" : "denied");
        return new QuotaDecision(charged, charged, day, charge.Verdict, charge.Used, limit.Value);
    }

    /// <summary>Gives back this message's charge, if it has one; a second refund gives back nothing.</summary>
    public async Task<bool> RefundAsync(InboundMessage message, CancellationToken cancellationToken)
    {
        var refunded = await ledger.RefundAsync(UserKey(message), message.DedupeKey, cancellationToken);
        if (refunded)
        {
            metrics.Quota("refunded");
        }

        return refunded;
    }

    /// <summary>Where a user stands today in a direct chat: used, the limit, the rule that sets it, when it resets.</summary>
    public async Task<QuotaStanding> StandingAsync(Platform platform, string userId, string? department, CancellationToken cancellationToken)
    {
        var current = policy.Current;
        var day = QuotaDay.At(clock.GetUtcNow(), current.Zone);
        var (limit, rule) = current.RuleFor(userId, department, userId);
        return new QuotaStanding(await ledger.UsedAsync(UserKey(platform, userId), day, cancellationToken), limit, rule, day.ResetsAt);
    }

    /// <summary>An admin's reset: the user's count for today starts again from zero.</summary>
    public Task ResetAsync(Platform platform, string userId, CancellationToken cancellationToken) =>
        ledger.ResetAsync(UserKey(platform, userId), QuotaDay.At(clock.GetUtcNow(), policy.Current.Zone), cancellationToken);

    // One person's ids differ between platforms; each platform's sender counts on its own.
    private static string UserKey(InboundMessage message) => UserKey(message.Platform, message.SenderId);

    private static string UserKey(Platform platform, string userId) => $"{platform}:{userId}";
}

/// <param name="Limit">Null: no limit (an admin).</param>
public sealed record QuotaStanding(int Used, int? Limit, string Rule, DateTimeOffset ResetsAt);

/// <param name="Charged">False for exempt admins and blocked users: nothing to refund.</param>
/// <param name="Used">Questions counted today, this one included when charged (for the audit trail).</param>
/// <param name="Limit">The daily limit in force; null: no limit (an admin).</param>
public readonly record struct QuotaDecision(bool Allowed, bool Charged, QuotaDay Day, QuotaVerdict Verdict, int Used = 0, int? Limit = null);
