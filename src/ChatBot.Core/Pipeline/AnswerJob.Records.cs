using System.Diagnostics;
using ChatBot.Core.Audit;
using ChatBot.Core.Messages;
using ChatBot.Core.Queue;
using ChatBot.Core.Screening;
using Microsoft.Extensions.Logging;

namespace ChatBot.Core.Pipeline;

/// <summary>What the job records: its audit lines and log events, metadata only (hashed ids, counts, codes), never a message's text.</summary>
public sealed partial class AnswerJob
{
    private void Audit(InboundMessage message, string outcome, long started, AnswerFacts facts, string? code) =>
        audit.Write(AuditRecord.ForMessage("answer", message, outcome, DateTimeOffset.UtcNow) with
        {
            Tokens = facts.Tokens,
            LatencyMs = Math.Round(Stopwatch.GetElapsedTime(started).TotalMilliseconds, 1),
            // In a DM the document asked about says more about the asker than a group's does: kept only when configured.
            Documents = message.ChatKind == ChatKind.Direct && !auditOptions.CurrentValue.DocumentsInDirectMessages ? null : facts.Documents,
            Code = code,
        });

    private static string Label(AnswerKind kind) => kind switch
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

    /// <summary>What the answer's steps learnt on the way, for its audit line.</summary>
    private sealed class AnswerFacts
    {
        public int? Tokens { get; set; }

        public IReadOnlyList<string>? Documents { get; set; }

        public string? Outcome { get; set; }

        /// <summary>
        /// What the answer starts with, in its stream's updates and in the whole alike: the welcome of a new direct chat
        /// (Answers:WelcomeInterval) and the line saying what personal data was hidden, or nothing.
        /// </summary>
        public string Opening { get; set; } = "";
    }

    [LoggerMessage(EventId = 1200, Level = LogLevel.Information,
        Message = "Answered {Platform} msg={MessageHash} as {Kind}: {Chars} chars in {ElapsedMs:F0} ms")]
    private static partial void LogAnswered(ILogger logger, Platform platform, string messageHash, AnswerKind kind, int chars, double elapsedMs);

    [LoggerMessage(EventId = 1201, Level = LogLevel.Information, Message = "Answer for {Platform} msg={MessageHash} was already sent; not sending again")]
    private static partial void LogAlreadySent(ILogger logger, Platform platform, string messageHash);

    [LoggerMessage(EventId = 1202, Level = LogLevel.Warning, Message = "Answer for {Platform} msg={MessageHash} failed with {ErrorType} (attempt {Attempt}); Hangfire retries it")]
    private static partial void LogWillRetry(ILogger logger, Platform platform, string messageHash, string errorType, int attempt);

    [LoggerMessage(EventId = 1203, Level = LogLevel.Error, Message = "Answer for {Platform} msg={MessageHash} failed with {ErrorType} after {Attempts} attempts; quota refunded, user told")]
    private static partial void LogGaveUp(ILogger logger, Platform platform, string messageHash, string errorType, int attempts);

    [LoggerMessage(EventId = 1204, Level = LogLevel.Error, Message = "A queued envelope could not be opened and was dropped: {Reason}")]
    private static partial void LogUnopenable(ILogger logger, string reason);

    [LoggerMessage(EventId = 1205, Level = LogLevel.Information, Message = "Output screened {Platform} msg={MessageHash}: {Hits} hits, categories {Categories}, action {Action}")]
    private static partial void LogOutputScreened(ILogger logger, Platform platform, string messageHash, int hits, string categories, OutputAction action);

    [LoggerMessage(EventId = 1206, Level = LogLevel.Error, Message = "Could not tell {Platform} msg={MessageHash} about the failure: {Error}")]
    private static partial void LogNotifyFailed(ILogger logger, Platform platform, string messageHash, string error);

    [LoggerMessage(EventId = 1207, Level = LogLevel.Information, Message = "Job for {Platform} msg={MessageHash} dropped: its intake gave the message back for the platform to retry")]
    private static partial void LogClaimLost(ILogger logger, Platform platform, string messageHash);

    [LoggerMessage(EventId = 1208, Level = LogLevel.Error, Message = "Answer for {Platform} msg={MessageHash} failed permanently with {Code}; not retried, quota refunded")]
    private static partial void LogPermanent(ILogger logger, Platform platform, string messageHash, string code);

    [LoggerMessage(EventId = 1209, Level = LogLevel.Information, Message = "Answer for {Platform} msg={MessageHash} reused from the earlier attempt; only its delivery is retried")]
    private static partial void LogReused(ILogger logger, Platform platform, string messageHash);

    [LoggerMessage(EventId = 1211, Level = LogLevel.Information,
        Message = "Knowledge for {Platform} msg={MessageHash}: policy={Policy} decision={Decision} passages={Passages} coverage={Coverage:F2} documents={Documents}")]
    private static partial void LogRetrieved(ILogger logger, Platform platform, string messageHash, bool policy, Knowledge.Search.Grounding decision, int passages, double coverage, string documents);

    [LoggerMessage(EventId = 1215, Level = LogLevel.Warning,
        Message = "Answer for {Platform} msg={MessageHash} dropped: it waited {WaitedMinutes:F1} min, over Answers:MaxQueueAge ({MaxMinutes:F1} min); quota refunded")]
    private static partial void LogExpired(ILogger logger, Platform platform, string messageHash, double waitedMinutes, double maxMinutes);

    [LoggerMessage(EventId = 1216, Level = LogLevel.Error,
        Message = "Answer for {Platform} msg={MessageHash} may not have arrived: its {Channel} send's outcome is unknown and may not be repeated; asker told: {FollowedUp}; quota refunded")]
    private static partial void LogDeliveryUnknown(ILogger logger, Platform platform, string messageHash, string channel, bool followedUp);

    [LoggerMessage(EventId = 1217, Level = LogLevel.Warning, Message = "Conversation memory for {Platform} msg={MessageHash} unavailable ({ErrorType}); answered without it")]
    private static partial void LogMemoryFailed(ILogger logger, Platform platform, string messageHash, string errorType);

    [LoggerMessage(EventId = 1219, Level = LogLevel.Information,
        Message = "Answer for {Platform} msg={MessageHash} continued from the {Chars} chars an earlier attempt kept, not written again")]
    private static partial void LogContinued(ILogger logger, Platform platform, string messageHash, int chars);

    [LoggerMessage(EventId = 1220, Level = LogLevel.Warning,
        Message = "The words so far of {Platform} msg={MessageHash} could not be kept; the answer goes on, but a crash would start it again")]
    private static partial void LogPartialNotKept(ILogger logger, Platform platform, string messageHash);

    [LoggerMessage(EventId = 1210, Level = LogLevel.Error, Message = "Could not refund the charge of {Platform} msg={MessageHash}: {ErrorType}")]
    private static partial void LogRefundFailed(ILogger logger, Platform platform, string messageHash, string errorType);
}
