using System.Diagnostics;
using ChatBot.Core.Audit;
using ChatBot.Core.Claims;
using ChatBot.Core.Messages;
using ChatBot.Core.Observability;
using ChatBot.Core.Queue;
using ChatBot.Core.Quotas;
using ChatBot.Core.Replies;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ChatBot.Core.Pipeline;

/// <summary>
/// How a job ends when it is not simply answered: expired in the queue, a send whose outcome is unknown, a failure —
/// each refunded, told where a channel still works, counted and audited; and the audit line of every job. Metadata
/// only (hashed ids, counts, codes), never a message's text.
/// </summary>
public sealed partial class AnswerSettlement(
    AnswerDelivery replies,
    QuotaGate quotas,
    IClaimStore claims,
    IDeliveryLedger ledger,
    IOptionsMonitor<AnswerOptions> answerOptions,
    IOptionsMonitor<QuotaOptions> quotaOptions,
    IOptionsMonitor<AuditOptions> auditOptions,
    AuditTrail audit,
    ChatBotMetrics metrics,
    ILogger<AnswerSettlement> logger)
{
    /// <summary>
    /// A question older than <c>Answers:MaxQueueAge</c> is not answered: its charge is refunded, and its asker is told
    /// once per that age (at least <c>Quotas:NoticeInterval</c>) however many of their questions expired (one notice
    /// after an outage, not twenty).
    /// </summary>
    public async Task ExpireAsync(AnswerRequest answer, string hash, TimeSpan waited, long started, AnswerFacts facts)
    {
        var message = answer.Message;
        var options = answerOptions.CurrentValue;
        LogExpired(logger, message.Platform, hash, waited.TotalMinutes, options.MaxQueueAge.TotalMinutes);
        if (answer.Charged)
        {
            await quotas.RefundAsync(message, CancellationToken.None);
        }

        // Once per asker for a whole backlog: at least the quota notices' interval, however short the age limit.
        var interval = options.MaxQueueAge > quotaOptions.CurrentValue.NoticeInterval ? options.MaxQueueAge : quotaOptions.CurrentValue.NoticeInterval;
        var noticeKey = $"notice:expired:{message.Platform}:{message.BotId}:{message.SenderId}";
        if (await claims.TryClaimAsync(noticeKey, message.DedupeKey, interval, CancellationToken.None) == ClaimState.Claimed)
        {
            await replies.SenderFor(message).SendAsync(message with { MessageId = message.MessageId + "#expired" }, options.ExpiredText, CancellationToken.None);
        }

        metrics.Reply(message.Platform, "expired");
        Audit(message, "expired", started, facts, code: null);
    }

    /// <summary>A send whose outcome is unknown: recorded as such, refunded, and settled so no retry or rescue sends again.</summary>
    public async Task SettleUnknownAsync(AnswerRequest answer, string hash, DeliveryUnknownException unknown, long started, AnswerFacts facts)
    {
        var message = answer.Message;
        LogDeliveryUnknown(logger, message.Platform, hash, unknown.Channel, unknown.FollowedUp);
        metrics.Reply(message.Platform, "unknown", unknown.Channel);
        Audit(message, "unknown", started, facts, unknown.FollowedUp ? "followed_up" : "no_follow_up");
        await ledger.SetAsync(message.DedupeKey, DeliveryState.Sent, CancellationToken.None);
        await RefundAsync(answer, hash);
    }

    /// <summary>The system failed, not the user: the question is given back, and the user is told where a channel still works.</summary>
    public async Task SettleFailedAsync(AnswerRequest answer, string hash, long started, AnswerFacts facts, string code)
    {
        var message = answer.Message;
        metrics.Reply(message.Platform, "failed", code);
        Audit(message, "failed", started, facts, code);
        await RefundAsync(answer, hash);
        await replies.NotifyAsync(message, "#failure", answerOptions.CurrentValue.FailureText);
    }

    public void Audit(InboundMessage message, string outcome, long started, AnswerFacts facts, string? code) =>
        audit.Write(AuditRecord.ForMessage("answer", message, outcome, DateTimeOffset.UtcNow) with
        {
            Tokens = facts.Tokens,
            LatencyMs = Math.Round(Stopwatch.GetElapsedTime(started).TotalMilliseconds, 1),
            // In a DM the document asked about says more about the asker than a group's does: kept only when configured.
            Documents = message.ChatKind == ChatKind.Direct && !auditOptions.CurrentValue.DocumentsInDirectMessages ? null : facts.Documents,
            Code = code,
        });

    /// <summary>The audit outcome of an answer of this kind, when its steps did not name another.</summary>
    public static string Label(AnswerKind kind) => kind switch
    {
        AnswerKind.Inference => "answered",
        AnswerKind.OverQuota => "over_quota_notice",
        AnswerKind.OverBurst => "over_burst_notice",
        AnswerKind.TooLong => "too_long_notice",
        AnswerKind.OverGroupBudget => "over_group_budget_notice",
        AnswerKind.Help => "help_command",
        AnswerKind.QuotaStatus => "quota_command",
        AnswerKind.Clear => "clear_command",
        AnswerKind.TextOnly => "text_only_notice",
        AnswerKind.QuotaReset => "quota_reset_command",
        AnswerKind.Pause => "pause_command",
        AnswerKind.Resume => "resume_command",
        AnswerKind.AdminOnly => "admin_only_notice",
        AnswerKind.Paused => "paused_notice",
        _ => "refused_input_notice",
    };

    private async Task RefundAsync(AnswerRequest answer, string hash)
    {
        if (!answer.Charged)
        {
            return;
        }

        try
        {
            await quotas.RefundAsync(answer.Message, CancellationToken.None);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogRefundFailed(logger, answer.Message.Platform, hash, ex.GetType().Name);
        }
    }

    [LoggerMessage(EventId = 1215, Level = LogLevel.Warning,
        Message = "Answer for {Platform} msg={MessageHash} dropped: it waited {WaitedMinutes:F1} min, over Answers:MaxQueueAge ({MaxMinutes:F1} min); quota refunded")]
    private static partial void LogExpired(ILogger logger, Platform platform, string messageHash, double waitedMinutes, double maxMinutes);

    [LoggerMessage(EventId = 1216, Level = LogLevel.Error,
        Message = "Answer for {Platform} msg={MessageHash} may not have arrived: its {Channel} send's outcome is unknown and may not be repeated; asker told: {FollowedUp}; quota refunded")]
    private static partial void LogDeliveryUnknown(ILogger logger, Platform platform, string messageHash, string channel, bool followedUp);

    [LoggerMessage(EventId = 1210, Level = LogLevel.Error, Message = "Could not refund the charge of {Platform} msg={MessageHash}: {ErrorType}")]
    private static partial void LogRefundFailed(ILogger logger, Platform platform, string messageHash, string errorType);
}
