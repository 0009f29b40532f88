using ChatBot.Core.Claims;
using ChatBot.Core.Messages;
using ChatBot.Core.Privacy;
using ChatBot.Core.Queue;
using ChatBot.Core.Quotas;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ChatBot.Core.Pipeline;

/// <summary>
/// The notices intake queues instead of an answer — over quota, over burst, a spent group budget, text only, paused —
/// each at most once per asker (or group) per interval, the rest taken in quietly; and whether a direct chat's answer
/// starts with the welcome.
/// </summary>
public sealed partial class IntakeNotices(
    IClaimStore claims,
    IntakeSettlement settlement,
    IOptionsMonitor<QuotaOptions> quotaOptions,
    IOptionsMonitor<AnswerOptions> answerOptions,
    ILogger<IntakeNotices> logger)
{
    /// <summary>How often one asker is told the bot is paused, however many questions they send meanwhile.</summary>
    public static readonly TimeSpan PausedInterval = TimeSpan.FromMinutes(1);

    /// <summary>How often one asker is told the bot reads only text.</summary>
    public static readonly TimeSpan TextOnlyInterval = TimeSpan.FromMinutes(10);

    /// <summary>Over quota or too fast: one notice per user per interval; the rest are taken in quietly.</summary>
    internal async Task<IntakeOutcome> OverQuotaAsync(IntakeAttempt attempt, QuotaDecision decision, CancellationToken cancellationToken)
    {
        var burst = decision.Verdict == QuotaVerdict.OverBurst;
        var group = decision.Verdict == QuotaVerdict.OverGroup;
        var interval = quotaOptions.CurrentValue.NoticeInterval;
        if (burst && interval > TimeSpan.FromMinutes(1))
        {
            interval = TimeSpan.FromMinutes(1);
        }

        var message = attempt.Message;
        // A spent group budget is the group's news: one notice to the group per interval, not one per member.
        var noticeKey = group
            ? $"notice:group:{message.Platform}:{message.BotId}:{message.ChatId}"
            : $"notice:{(burst ? "burst" : "quota")}:{message.Platform}:{message.BotId}:{message.SenderId}";
        bool due;
        try
        {
            due = interval <= TimeSpan.Zero
                || await attempt.Within(claims.TryClaimAsync(noticeKey, attempt.Owner, interval, cancellationToken).AsTask(), cancellationToken) == ClaimState.Claimed;
        }
        catch (Exception ex) when (IntakeAttempt.IsSystemFailure(ex))
        {
            settlement.GiveBackLater(attempt, charged: false);
            return settlement.Unavailable(attempt, "notice", ex);
        }

        var what = burst ? "over-burst" : group ? "over-group-budget" : "over-quota";
        if (due)
        {
            var kind = burst ? AnswerKind.OverBurst : group ? AnswerKind.OverGroupBudget : AnswerKind.OverQuota;
            var outcome = await settlement.EnqueueAsync(attempt, new AnswerRequest(message, kind, QuotaResetsAt: decision.Day.ResetsAt, ClaimOwner: attempt.Owner), what, cancellationToken);
            if (outcome == IntakeOutcome.Unavailable && interval > TimeSpan.Zero)
            {
                // The notice did not go out: the platform's retry may claim the notice again rather than stay quiet.
                _ = settlement.ReleaseQuietlyAsync(noticeKey, attempt.Owner);
            }

            return outcome;
        }

        return await settlement.AcceptClaimAsync(attempt, IntakeOutcome.Answered, what + "-quiet", cancellationToken);
    }

    /// <summary>
    /// A notice in place of an answer, at most once per asker per <paramref name="interval"/>: an image, file or video
    /// (an album of twenty photos gets one reply), or a question while an admin has paused the bot. Nothing charged.
    /// </summary>
    internal async Task<IntakeOutcome> OnceAsync(IntakeAttempt attempt, AnswerKind kind, string what, TimeSpan interval, CancellationToken cancellationToken)
    {
        var message = attempt.Message;
        var noticeKey = $"notice:{what}:{message.Platform}:{message.BotId}:{message.SenderId}";
        bool due;
        try
        {
            due = await attempt.Within(claims.TryClaimAsync(noticeKey, attempt.Owner, interval, cancellationToken).AsTask(), cancellationToken) == ClaimState.Claimed;
        }
        catch (Exception ex) when (IntakeAttempt.IsSystemFailure(ex))
        {
            settlement.GiveBackLater(attempt, charged: false);
            return settlement.Unavailable(attempt, "notice", ex);
        }

        if (!due)
        {
            return await settlement.AcceptClaimAsync(attempt, IntakeOutcome.Answered, what + "-quiet", cancellationToken);
        }

        var outcome = await settlement.EnqueueAsync(attempt, new AnswerRequest(message, kind, ClaimOwner: attempt.Owner), what, cancellationToken);
        if (outcome == IntakeOutcome.Unavailable)
        {
            _ = settlement.ReleaseQuietlyAsync(noticeKey, attempt.Owner);
        }

        return outcome;
    }

    /// <summary>
    /// Whether this direct chat's answer starts with the welcome: the first in Answers:WelcomeInterval for this user,
    /// where the platform does not announce a new chat itself. A store that cannot tell in time skips the welcome
    /// rather than the question.
    /// </summary>
    internal async Task<bool> WelcomeDueAsync(IntakeAttempt attempt, CancellationToken cancellationToken)
    {
        var message = attempt.Message;
        var texts = answerOptions.CurrentValue;
        if (message.ChatKind != ChatKind.Direct || message.Route.WelcomesOnEntry || texts.WelcomeInterval <= TimeSpan.Zero || texts.WelcomeText.Length == 0)
        {
            return false;
        }

        try
        {
            // Kept for weeks, so the key names the sender by pseudonym, not by platform id.
            var key = $"notice:welcome:{message.Platform}:{message.BotId}:{Pseudonym.Of(message.SenderId)}";
            return await attempt.Within(claims.TryClaimAsync(key, attempt.Owner, texts.WelcomeInterval, cancellationToken).AsTask(), cancellationToken) == ClaimState.Claimed;
        }
        catch (Exception ex) when (IntakeAttempt.IsSystemFailure(ex))
        {
            LogWelcomeSkipped(logger, ex.GetType().Name);
            return false;
        }
    }

    [LoggerMessage(EventId = 1218, Level = LogLevel.Warning, Message = "The welcome of a new direct chat was skipped: the store did not answer ({ErrorType})")]
    private static partial void LogWelcomeSkipped(ILogger logger, string errorType);
}
