using System.Diagnostics;
using ChatBot.Core.Dedupe;
using ChatBot.Core.Messages;
using ChatBot.Core.Privacy;
using ChatBot.Core.Queue;
using ChatBot.Core.Quotas;
using ChatBot.Core.Screening;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ChatBot.Core.Pipeline;

/// <summary>
/// The one door every verified message goes through: dedupe → screen → charge → enqueue.
/// It never runs the bot; it decides and queues, fast enough for the platforms' ack deadlines. When a system
/// part fails it gives back what it took (the dedupe claim, the quota charge) so the platform's retry starts clean.
/// </summary>
public sealed partial class MessageIntake(
    IDedupeStore dedupe,
    SensitiveWordScreener screener,
    QuotaGate quotas,
    IAnswerQueue queue,
    IOptionsMonitor<IntakeOptions> options,
    ILogger<MessageIntake> logger)
{
    public async Task<IntakeOutcome> AcceptAsync(InboundMessage message, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var key = message.DedupeKey;
        try
        {
            if (!await dedupe.TryClaimAsync(key, options.CurrentValue.DedupeTtl, cancellationToken))
            {
                return Log(message, IntakeOutcome.Duplicate, "duplicate", started);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogUnavailable(logger, message.Platform, LogId.Hash(message.MessageId), "dedupe", ex.GetType().Name);
            return IntakeOutcome.Unavailable;
        }

        // Refused input: a neutral refusal, no inference, and no quota charged (the user did not get an answer).
        var hits = screener.Find(message.Text);
        if (hits.Count > 0)
        {
            LogScreened(logger, message.Platform, LogId.Hash(message.MessageId), hits.Count, string.Join(",", hits.Select(h => h.Category).Distinct()));
            return await EnqueueOrGiveBack(new SealedAnswer(message, AnswerKind.RefusedInput), message, null, "refused-input", started, cancellationToken);
        }

        QuotaDecision decision;
        try
        {
            decision = await quotas.ChargeAsync(message, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            await ReleaseQuietly(key);
            LogUnavailable(logger, message.Platform, LogId.Hash(message.MessageId), "quota", ex.GetType().Name);
            return IntakeOutcome.Unavailable;
        }

        if (!decision.Allowed)
        {
            var kind = decision.Verdict == QuotaVerdict.OverBurst ? AnswerKind.OverBurst : AnswerKind.OverQuota;
            return await EnqueueOrGiveBack(new SealedAnswer(message, kind, QuotaResetsAt: decision.Day.ResetsAt), message, null,
                kind == AnswerKind.OverBurst ? "over-burst" : "over-quota", started, cancellationToken);
        }

        var answer = new SealedAnswer(message, AnswerKind.Inference, decision.Charged ? decision.Day : null);
        return await EnqueueOrGiveBack(answer, message, decision.Charged ? decision.Day : null, "accepted", started, cancellationToken);
    }

    private async Task<IntakeOutcome> EnqueueOrGiveBack(SealedAnswer answer, InboundMessage message, QuotaDay? charged, string what, long started,
        CancellationToken cancellationToken)
    {
        try
        {
            await queue.EnqueueAsync(answer, cancellationToken);
        }
        catch (Exception ex)
        {
            if (charged is { } day)
            {
                try
                {
                    await quotas.RefundAsync(message, day, CancellationToken.None);
                }
                catch (Exception refundError) when (refundError is not OutOfMemoryException)
                {
                    LogRefundFailed(logger, refundError.GetType().Name);
                }
            }

            await ReleaseQuietly(message.DedupeKey);
            LogUnavailable(logger, message.Platform, LogId.Hash(message.MessageId), "queue", ex.GetType().Name);
            return IntakeOutcome.Unavailable;
        }

        return Log(message, answer.Kind == AnswerKind.Inference ? IntakeOutcome.Accepted : IntakeOutcome.Answered, what, started);
    }

    private async Task ReleaseQuietly(string key)
    {
        try
        {
            await dedupe.ReleaseAsync(key, CancellationToken.None);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The claim expires by itself; the retry after that is taken in.
            LogReleaseFailed(logger, ex.GetType().Name);
        }
    }

    private IntakeOutcome Log(InboundMessage message, IntakeOutcome outcome, string what, long started)
    {
        LogIntake(logger, message.Platform, LogId.Hash(message.MessageId), message.SenderId, message.ChatKind,
            message.Text.Length, what, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        return outcome;
    }

    [LoggerMessage(EventId = 1100, Level = LogLevel.Information,
        Message = "Intake {Platform} msg={MessageHash} sender={SenderId} chat={ChatKind} chars={Chars} outcome={Outcome} in {ElapsedMs:F2} ms")]
    private static partial void LogIntake(ILogger logger, Platform platform, string messageHash, string senderId,
        ChatKind chatKind, int chars, string outcome, double elapsedMs);

    [LoggerMessage(EventId = 1101, Level = LogLevel.Warning,
        Message = "Intake unavailable for {Platform} msg={MessageHash}: {Stage} failed with {ErrorType}; the platform will retry")]
    private static partial void LogUnavailable(ILogger logger, Platform platform, string messageHash, string stage, string errorType);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Warning, Message = "Could not release a dedupe claim ({ErrorType}); it will expire")]
    private static partial void LogReleaseFailed(ILogger logger, string errorType);

    [LoggerMessage(EventId = 1103, Level = LogLevel.Information, Message = "Input screened {Platform} msg={MessageHash}: {Hits} hits, categories {Categories}")]
    private static partial void LogScreened(ILogger logger, Platform platform, string messageHash, int hits, string categories);

    [LoggerMessage(EventId = 1104, Level = LogLevel.Warning, Message = "Could not refund a quota charge ({ErrorType})")]
    private static partial void LogRefundFailed(ILogger logger, string errorType);
}
