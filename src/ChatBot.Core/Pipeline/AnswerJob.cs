using System.Diagnostics;
using System.Globalization;
using ChatBot.Core.Commands;
using ChatBot.Core.Claims;
using ChatBot.Core.Messages;
using ChatBot.Core.Observability;
using ChatBot.Core.Privacy;
using ChatBot.Core.Queue;
using ChatBot.Core.Quotas;
using ChatBot.Core.Replies;
using ChatBot.Core.Screening;
using Hangfire.Server;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ChatBot.Core.Pipeline;

/// <summary>
/// The background half of the story, one request settled: open → accept the claim → the answer
/// (<see cref="AnswerWriter"/>: kept or written, screened) or the notice its kind calls for → send
/// (<see cref="AnswerDelivery"/>) → settle (<see cref="AnswerSettlement"/>: retried, refunded, told, audited). Its only
/// argument is the sealed envelope, so Hangfire storage holds ciphertext and nothing else. Reentrant: the answer is
/// kept sealed in the job's own parameters, so a retry re-sends the same text without inferring again, and the
/// delivery ledger keeps every part from going out twice.
/// </summary>
public sealed partial class AnswerJob(
    EnvelopeSealer sealer,
    IClaimStore claims,
    IDeliveryLedger ledger,
    AnswerWriter writer,
    CommandReplies commands,
    AnswerDelivery replies,
    AnswerSettlement settlement,
    IOptionsMonitor<IntakeOptions> intakeOptions,
    IOptionsMonitor<QueueOptions> queueOptions,
    IOptionsMonitor<AnswerOptions> answerOptions,
    IOptionsMonitor<QuotaOptions> quotaOptions,
    IOptionsMonitor<ScreeningOptions> screening,
    ChatBotMetrics metrics,
    ILogger<AnswerJob> logger)
{
    public async Task RunAsync(string envelope, PerformContext? context, CancellationToken cancellationToken)
    {
        AnswerRequest answer;
        try
        {
            answer = sealer.Open(envelope);
        }
        catch (EnvelopeException ex)
        {
            // Can never succeed (another instance's key, or a restart of the in-memory default): drop it, say why.
            LogUnopenable(logger, ex.Message);
            return;
        }

        var message = answer.Message;
        var hash = LogId.Hash(message.MessageId);
        if (answer.ClaimOwner is { } owner
            && !await claims.AcceptAsync(message.DedupeKey, owner, intakeOptions.CurrentValue.DedupeTtl, cancellationToken))
        {
            // Its intake gave the claim back (the platform was told to retry, and the retry has or will have its own job).
            LogClaimLost(logger, message.Platform, hash);
            return;
        }

        if (await ledger.GetAsync(message.DedupeKey, cancellationToken) == DeliveryState.Sent)
        {
            LogAlreadySent(logger, message.Platform, hash);
            return;
        }

        var started = Stopwatch.GetTimestamp();
        var waited = DateTimeOffset.UtcNow - message.ReceivedAt;
        metrics.QueueWait(waited);
        var facts = new AnswerFacts { Opening = answer.Welcome && answerOptions.CurrentValue.WelcomeText is { Length: > 0 } welcome ? welcome + "\n\n" : "" };
        if (answer.Kind == AnswerKind.Inference && waited > answerOptions.CurrentValue.MaxQueueAge
            && context?.GetJobParameter<string>(AnswerWriter.AnswerParameter) is not { Length: > 0 })
        {
            // After an outage an answer hours late helps no one: drop it, refund it, and say so once.
            await settlement.ExpireAsync(answer, hash, waited, started, facts);
            return;
        }

        try
        {
            var text = await TextAsync(answer, hash, context, facts, cancellationToken);
            await replies.SendAsync(message, facts.Opening + text, cancellationToken);
            if (answer.Kind == AnswerKind.Inference)
            {
                await writer.RememberAsync(message, text, hash);
            }

            LogAnswered(logger, message.Platform, hash, answer.Kind, text.Length, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            metrics.Answered(message.Platform, answer.Kind.ToString(), Stopwatch.GetElapsedTime(started));
            metrics.Reply(message.Platform, "ok");
            settlement.Audit(message, facts.Outcome ?? AnswerSettlement.Label(answer.Kind), started, facts, code: null);
        }
        catch (PacingException)
        {
            // Rescheduled by the queue's pacing filter; not a failure, and the kept answer waits with the job.
            throw;
        }
        catch (DeliveryUnknownException ex)
        {
            // Never "answered": the answer may be missing, a retry could only skip what may have arrived, and the asker
            // was told (where the platform has a second channel) to ask again — which the refund makes free.
            await settlement.SettleUnknownAsync(answer, hash, ex, started, facts);
        }
        catch (Exception ex) when (JobFailure.IsPermanent(ex))
        {
            // Retrying cannot help (a wrong user id, a rejected parameter, a prompt over the model's context): settle now.
            var code = JobFailure.Code(ex);
            LogPermanent(logger, message.Platform, hash, code);
            await settlement.SettleFailedAsync(answer, hash, started, facts, code);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            var attempt = context?.GetJobParameter<int>("RetryCount") ?? 0;
            var code = JobFailure.Code(ex);
            if (attempt < queueOptions.CurrentValue.Retries)
            {
                LogWillRetry(logger, message.Platform, hash, ex.GetType().Name, attempt + 1);
                metrics.Reply(message.Platform, "retried", code);
                throw;
            }

            LogGaveUp(logger, message.Platform, hash, ex.GetType().Name, attempt + 1);
            await settlement.SettleFailedAsync(answer, hash, started, facts, code);
        }
    }

    /// <summary>What this request is answered with: the answer to a question, a command's reply, or its kind's notice.</summary>
    private async Task<string> TextAsync(AnswerRequest answer, string hash, PerformContext? context, AnswerFacts facts, CancellationToken cancellationToken)
    {
        var message = answer.Message;
        var resetsAt = answer.QuotaResetsAt?.ToString("yyyy-MM-dd HH:mm (zzz)", CultureInfo.InvariantCulture);
        return answer.Kind switch
        {
            AnswerKind.Inference => await writer.WriteAsync(message, answer.Charged, hash, context, facts, cancellationToken),
            AnswerKind.OverQuota => string.Format(CultureInfo.InvariantCulture, quotaOptions.CurrentValue.OverQuotaText, resetsAt),
            AnswerKind.OverBurst => quotaOptions.CurrentValue.OverBurstText,
            AnswerKind.OverGroupBudget => string.Format(CultureInfo.InvariantCulture, quotaOptions.CurrentValue.GroupOverBudgetText, resetsAt),
            AnswerKind.TooLong => string.Format(CultureInfo.InvariantCulture, answerOptions.CurrentValue.TooLongText, answerOptions.CurrentValue.MaxQuestionChars),
            AnswerKind.Help or AnswerKind.QuotaStatus or AnswerKind.Clear or AnswerKind.TextOnly or AnswerKind.QuotaReset or AnswerKind.Pause
                or AnswerKind.Resume or AnswerKind.AdminOnly or AnswerKind.Paused => await commands.ReplyAsync(answer.Kind, message, cancellationToken),
            _ => screening.CurrentValue.RefusalText,
        };
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

    [LoggerMessage(EventId = 1207, Level = LogLevel.Information, Message = "Job for {Platform} msg={MessageHash} dropped: its intake gave the message back for the platform to retry")]
    private static partial void LogClaimLost(ILogger logger, Platform platform, string messageHash);

    [LoggerMessage(EventId = 1208, Level = LogLevel.Error, Message = "Answer for {Platform} msg={MessageHash} failed permanently with {Code}; not retried, quota refunded")]
    private static partial void LogPermanent(ILogger logger, Platform platform, string messageHash, string code);
}
