using ChatBot.Core.Audit;
using ChatBot.Core.Claims;
using ChatBot.Core.Messages;
using ChatBot.Core.Observability;
using ChatBot.Core.Privacy;
using ChatBot.Core.Queue;
using ChatBot.Core.Quotas;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ChatBot.Core.Pipeline;

/// <summary>
/// How an intake attempt ends: the job enqueued and the claim accepted — or what the attempt took (its claim, its
/// charge) given back in the order it was taken, so the platform's retry starts clean; when the enqueue's own
/// outcome is unknown, the claim store decides between the give-back and the job (see <see cref="IClaimStore"/>).
/// Each ending is logged, counted and audited: metadata only, never a message's text.
/// </summary>
public sealed partial class IntakeSettlement(
    IClaimStore claims,
    QuotaGate quotas,
    IAnswerQueue queue,
    IOptionsMonitor<IntakeOptions> options,
    ChatBotMetrics metrics,
    AuditTrail audit,
    ILogger<IntakeSettlement> logger)
{
    internal async Task<IntakeOutcome> EnqueueAsync(IntakeAttempt attempt, AnswerRequest answer, string what, CancellationToken cancellationToken)
    {
        try
        {
            await attempt.Within(queue.EnqueueAsync(answer, attempt.DeadlineAt, cancellationToken), cancellationToken);
        }
        catch (Exception ex) when (IntakeAttempt.IsSystemFailure(ex))
        {
            // The job may exist. The claim store settles it: released → the job, if any, drops itself; accepted → the
            // job got there first and runs, so the message is taken after all.
            return await GiveBackAfterEnqueueAsync(attempt, answer.Charged, ex, what, cancellationToken);
        }

        return await AcceptClaimAsync(attempt, answer.Kind == AnswerKind.Inference ? IntakeOutcome.Accepted : IntakeOutcome.Answered, what, cancellationToken);
    }

    internal async Task<IntakeOutcome> AcceptClaimAsync(IntakeAttempt attempt, IntakeOutcome outcome, string what, CancellationToken cancellationToken)
    {
        var message = attempt.Message;
        try
        {
            if (await attempt.Within(claims.AcceptAsync(message.DedupeKey, attempt.Owner, options.CurrentValue.DedupeTtl, cancellationToken).AsTask(), cancellationToken))
            {
                return Log(attempt, outcome, what);
            }

            // The pending claim expired under a very slow intake: the job (if any) will not run; the retry is taken afresh.
            return Unavailable(attempt, "accept", null);
        }
        catch (Exception ex) when (IntakeAttempt.IsSystemFailure(ex))
        {
            // Queued, acceptance unknown: the job accepts the claim itself when it starts, so nothing is given back.
            // The platform's retry meets the claim pending (retry) or accepted (duplicate): answered once either way.
            return Unavailable(attempt, "accept", ex);
        }
    }

    /// <summary>Queued behind whatever this attempt sent before, so it lands after it even if that timed out here.</summary>
    internal void GiveBackLater(IntakeAttempt attempt, bool charged)
    {
        _ = ReleaseQuietlyAsync(attempt.Message.DedupeKey, attempt.Owner);
        if (charged)
        {
            _ = RefundQuietlyAsync(attempt.Message);
        }
    }

    internal async Task ReleaseQuietlyAsync(string key, string owner)
    {
        try
        {
            await claims.ReleaseAsync(key, owner, CancellationToken.None);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The pending claim expires by itself (Intake:PendingClaimTtl); the retry after that is taken in.
            LogReleaseFailed(logger, ex.GetType().Name);
        }
    }

    internal IntakeOutcome Unavailable(IntakeAttempt attempt, string stage, Exception? error)
    {
        LogUnavailable(logger, attempt.Message.Platform, LogId.Hash(attempt.Message.MessageId), stage, error?.GetType().Name ?? "LostClaim",
            attempt.Elapsed.TotalMilliseconds);
        metrics.Intake(attempt.Message.Platform, attempt.Message.Route.SenderKey, "unavailable", attempt.Elapsed);
        Audit(attempt, "unavailable", error?.GetType().Name ?? "LostClaim");
        return IntakeOutcome.Unavailable;
    }

    internal IntakeOutcome Log(IntakeAttempt attempt, IntakeOutcome outcome, string what)
    {
        var message = attempt.Message;
        LogIntake(logger, message.Platform, LogId.Hash(message.MessageId), Pseudonym.Of(message.SenderId), message.ChatKind,
            message.Text.Length, what, attempt.Elapsed.TotalMilliseconds);
        // One label per kind of decision: "over-quota-quiet" and "accepted-late" count with their kind.
        var label = what.Replace("-quiet", "", StringComparison.Ordinal).Replace("-late", "", StringComparison.Ordinal).Replace('-', '_');
        metrics.Intake(message.Platform, message.Route.SenderKey, label, attempt.Elapsed);
        Audit(attempt, label, null);
        return outcome;
    }

    private async Task<IntakeOutcome> GiveBackAfterEnqueueAsync(IntakeAttempt attempt, bool charged, Exception error, string what, CancellationToken cancellationToken)
    {
        var message = attempt.Message;
        ReleaseOutcome released;
        try
        {
            // Capped by what is left of the deadline: past it the platform has stopped waiting, and a 503 in time
            // (the release still lands, queued behind the enqueue) beats a 200 it never reads.
            released = await attempt.Within(claims.ReleaseAsync(message.DedupeKey, attempt.Owner, CancellationToken.None).AsTask(), cancellationToken);
        }
        catch (Exception ex) when (IntakeAttempt.IsSystemFailure(ex))
        {
            // Unknown again. The release is queued behind the enqueue on the same connection; the charge stays: it is
            // keyed by the message, so the platform's retry reuses it rather than charging twice.
            LogReleaseFailed(logger, ex.GetType().Name);
            return Unavailable(attempt, "queue", error);
        }

        switch (released)
        {
            case ReleaseOutcome.AlreadyAccepted:
                return Log(attempt, IntakeOutcome.Accepted, what + "-late");
            case ReleaseOutcome.Released when charged:
                _ = RefundQuietlyAsync(message);
                break;
        }

        return Unavailable(attempt, "queue", error);
    }

    private async Task RefundQuietlyAsync(InboundMessage message)
    {
        try
        {
            await quotas.RefundAsync(message, CancellationToken.None);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogRefundFailed(logger, ex.GetType().Name);
        }
    }

    private void Audit(IntakeAttempt attempt, string outcome, string? code)
    {
        audit.Write(AuditRecord.ForMessage("intake", attempt.Message, outcome, attempt.Clock.GetUtcNow()) with
        {
            QuotaUsed = attempt.Quota?.Used,
            QuotaLeft = attempt.Quota is { Limit: { } limit } quota ? Math.Max(0, limit - quota.Used) : null,
            LatencyMs = Math.Round(attempt.Elapsed.TotalMilliseconds, 2),
            Code = code,
        });
    }

    [LoggerMessage(EventId = 1100, Level = LogLevel.Information,
        Message = "Intake {Platform} msg={MessageHash} sender={SenderHash} chat={ChatKind} chars={Chars} outcome={Outcome} in {ElapsedMs:F2} ms")]
    private static partial void LogIntake(ILogger logger, Platform platform, string messageHash, string senderHash,
        ChatKind chatKind, int chars, string outcome, double elapsedMs);

    [LoggerMessage(EventId = 1101, Level = LogLevel.Warning,
        Message = "Intake unavailable for {Platform} msg={MessageHash}: {Stage} failed with {ErrorType} after {ElapsedMs:F0} ms; the platform will retry")]
    private static partial void LogUnavailable(ILogger logger, Platform platform, string messageHash, string stage, string errorType, double elapsedMs);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Warning, Message = "Could not release a dedupe claim ({ErrorType}); it will expire")]
    private static partial void LogReleaseFailed(ILogger logger, string errorType);

    [LoggerMessage(EventId = 1104, Level = LogLevel.Warning, Message = "Could not refund a quota charge ({ErrorType})")]
    private static partial void LogRefundFailed(ILogger logger, string errorType);
}
