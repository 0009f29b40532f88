using ChatBot.Core.AdminFiles;
using ChatBot.Core.Knowledge.Access;
using ChatBot.Core.Messages;
using ChatBot.Core.Observability;

namespace ChatBot.Core.Quotas;

/// <summary>
/// Decides whether a sender may ask now, and charges the question against the policy in force: the sender's own
/// daily limit (their departments looked up in the platform's directory when a department rule could apply), and in
/// a group with a budget, the group's shared pool — both must allow, and a question one of them refuses costs the
/// other nothing.
/// </summary>
public sealed class QuotaGate(HotReloadedFile<QuotaPolicy> policy, IQuotaLedger ledger, TimeProvider clock, ChatBotMetrics metrics,
    AskerDepartments? directory = null)
{
    /// <summary>
    /// How long a charge waits for the directory: intake must answer inside the platform's deadline, so a slow or
    /// failing directory leaves the default limit in force (the lookup goes on and is cached for the next question).
    /// </summary>
    public static readonly TimeSpan DirectoryWait = TimeSpan.FromMilliseconds(600);

    public async Task<QuotaDecision> ChargeAsync(InboundMessage message, CancellationToken cancellationToken)
    {
        var current = policy.Current;
        var now = clock.GetUtcNow();
        var day = QuotaDay.At(now, current.Zone);
        var departments = current.NeedsDepartments(message.SenderId, message.ChatId) ? await DepartmentsAsync(message) : null;
        var limit = current.LimitFor(message.SenderId, departments, message.ChatId);
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
        if (charged && message.ChatKind == ChatKind.Group && current.Groups.TryGetValue(message.ChatId, out var budget))
        {
            var pool = await ledger.TryChargeAsync(GroupKey(message), GroupCharge(message), day, budget, 0, now, cancellationToken);
            if (pool.Verdict != QuotaVerdict.Charged)
            {
                // The group's day is spent: the member's own charge goes back, exactly, so both counters stay true.
                await ledger.RefundAsync(UserKey(message), message.DedupeKey, CancellationToken.None);
                metrics.Quota("denied_group");
                return new QuotaDecision(false, false, day, QuotaVerdict.OverGroup, pool.Used, budget);
            }
        }

        metrics.Quota(charged ? "charged" : "denied");
        return new QuotaDecision(charged, charged, day, charge.Verdict, charge.Used, limit.Value);
    }

    private async Task<IReadOnlyCollection<string>?> DepartmentsAsync(InboundMessage message)
    {
        if (directory is null)
        {
            // No directory (the quota verb, a unit): only what the platform sent with the message.
            return message.SenderDepartment is { Length: > 0 } sent ? AskerDepartments.Forms(message.Platform, sent) : null;
        }

        // Not the request's token: a lookup the charge stops waiting for still finishes and fills the cache.
        var lookup = directory.ResolveAsync(message, CancellationToken.None);
        return await Task.WhenAny(lookup, Task.Delay(DirectoryWait)) == lookup ? await lookup : null;
    }

    /// <summary>Gives back this message's charge (and its group's), if it has one; a second refund gives back nothing.</summary>
    public async Task<bool> RefundAsync(InboundMessage message, CancellationToken cancellationToken)
    {
        var refunded = await ledger.RefundAsync(UserKey(message), message.DedupeKey, cancellationToken);
        if (message.ChatKind == ChatKind.Group)
        {
            await ledger.RefundAsync(GroupKey(message), GroupCharge(message), cancellationToken);
        }

        if (refunded)
        {
            metrics.Quota("refunded");
        }

        return refunded;
    }

    /// <summary>Where a user stands today in a direct chat: used, the limit, the rule that sets it, when it resets.</summary>
    /// <param name="departments">The user's department ids (bare or platform-qualified), for a department rule.</param>
    public async Task<QuotaStanding> StandingAsync(Platform platform, string userId, IReadOnlyCollection<string>? departments, CancellationToken cancellationToken)
    {
        var current = policy.Current;
        var day = QuotaDay.At(clock.GetUtcNow(), current.Zone);
        var (limit, rule) = current.RuleFor(userId, departments, userId);
        return new QuotaStanding(await ledger.UsedAsync(UserKey(platform, userId), day, cancellationToken), limit, rule, day.ResetsAt);
    }

    /// <summary>Where the sender of a message stands today under the rule their next question meets (their chat's included).</summary>
    public async Task<QuotaStanding> StandingAsync(InboundMessage message, IReadOnlyCollection<string>? departments, CancellationToken cancellationToken)
    {
        var current = policy.Current;
        var day = QuotaDay.At(clock.GetUtcNow(), current.Zone);
        var (limit, rule) = current.RuleFor(message.SenderId, departments, message.ChatId);
        return new QuotaStanding(await ledger.UsedAsync(UserKey(message), day, cancellationToken), limit, rule, day.ResetsAt);
    }

    /// <summary>The sender's departments when a department rule could decide their limit (asked as a charge asks); otherwise null.</summary>
    public async Task<IReadOnlyCollection<string>?> DepartmentsIfNeededAsync(InboundMessage message, AskerDepartments lookup) =>
        policy.Current.NeedsDepartments(message.SenderId, message.ChatId) ? await lookup.ResolveAsync(message, CancellationToken.None) : null;

    /// <summary>Where a group's budget stands today: used, the budget (null: the group has none), when it resets.</summary>
    public async Task<QuotaStanding> GroupStandingAsync(Platform platform, string chatId, CancellationToken cancellationToken)
    {
        var current = policy.Current;
        var day = QuotaDay.At(clock.GetUtcNow(), current.Zone);
        int? budget = current.Groups.TryGetValue(chatId, out var b) ? b : null;
        return new QuotaStanding(await ledger.UsedAsync(GroupKey(platform, chatId), day, cancellationToken), budget, budget is null ? "none" : "groups", day.ResetsAt);
    }

    /// <summary>An admin's reset of a group's budget for today.</summary>
    public Task ResetGroupAsync(Platform platform, string chatId, CancellationToken cancellationToken) =>
        ledger.ResetAsync(GroupKey(platform, chatId), QuotaDay.At(clock.GetUtcNow(), policy.Current.Zone), cancellationToken);

    /// <summary>An admin's reset: the user's count for today starts again from zero.</summary>
    public Task ResetAsync(Platform platform, string userId, CancellationToken cancellationToken) =>
        ledger.ResetAsync(UserKey(platform, userId), QuotaDay.At(clock.GetUtcNow(), policy.Current.Zone), cancellationToken);

    // One person's ids differ between platforms; each platform's sender counts on its own.
    private static string UserKey(InboundMessage message) => UserKey(message.Platform, message.SenderId);

    private static string UserKey(Platform platform, string userId) => $"{platform}:{userId}";

    // A group's pool counts in the same ledger under its own key, and each message's group charge has its own record.
    private static string GroupKey(InboundMessage message) => GroupKey(message.Platform, message.ChatId);

    private static string GroupKey(Platform platform, string chatId) => $"{platform}:group:{chatId}";

    private static string GroupCharge(InboundMessage message) => message.DedupeKey + "#group";
}

/// <param name="Limit">Null: no limit (an admin).</param>
public sealed record QuotaStanding(int Used, int? Limit, string Rule, DateTimeOffset ResetsAt);

/// <param name="Charged">False for exempt admins and blocked users: nothing to refund.</param>
/// <param name="Used">Questions counted today, this one included when charged (for the audit trail).</param>
/// <param name="Limit">The daily limit in force; null: no limit (an admin).</param>
public readonly record struct QuotaDecision(bool Allowed, bool Charged, QuotaDay Day, QuotaVerdict Verdict, int Used = 0, int? Limit = null);
