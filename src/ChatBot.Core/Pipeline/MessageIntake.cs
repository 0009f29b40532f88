using System.Diagnostics;
using ChatBot.Core.Dedupe;
using ChatBot.Core.Messages;
using ChatBot.Core.Privacy;
using ChatBot.Core.Queue;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ChatBot.Core.Pipeline;

/// <summary>
/// The one door every verified message goes through: dedupe → screen → charge → enqueue.
/// It never runs the bot; it decides and queues, fast enough for the platforms' ack deadlines.
/// </summary>
public sealed partial class MessageIntake(
    IDedupeStore dedupe,
    IAnswerQueue queue,
    IOptionsMonitor<IntakeOptions> options,
    ILogger<MessageIntake> logger)
{
    public async Task<IntakeOutcome> AcceptAsync(InboundMessage message, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var key = message.DedupeKey;
        bool claimed;
        try
        {
            claimed = await dedupe.TryClaimAsync(key, options.CurrentValue.DedupeTtl, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogUnavailable(logger, message.Platform, LogId.Hash(message.MessageId), "dedupe", ex.GetType().Name);
            return IntakeOutcome.Unavailable;
        }

        if (!claimed)
        {
            Log(message, IntakeOutcome.Duplicate, started);
            return IntakeOutcome.Duplicate;
        }

        try
        {
            await queue.EnqueueAsync(message, AnswerKind.Inference, cancellationToken);
        }
        catch (Exception ex)
        {
            // Give the claim back so the platform's retry is taken in: nothing half-processed stays behind.
            await ReleaseQuietly(key);
            LogUnavailable(logger, message.Platform, LogId.Hash(message.MessageId), "queue", ex.GetType().Name);
            return IntakeOutcome.Unavailable;
        }

        Log(message, IntakeOutcome.Accepted, started);
        return IntakeOutcome.Accepted;
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

    private void Log(InboundMessage message, IntakeOutcome outcome, long started) =>
        LogIntake(logger, message.Platform, LogId.Hash(message.MessageId), message.SenderId, message.ChatKind,
            message.Text.Length, outcome, Stopwatch.GetElapsedTime(started).TotalMilliseconds);

    [LoggerMessage(EventId = 1100, Level = LogLevel.Information,
        Message = "Intake {Platform} msg={MessageHash} sender={SenderId} chat={ChatKind} chars={Chars} outcome={Outcome} in {ElapsedMs:F2} ms")]
    private static partial void LogIntake(ILogger logger, Platform platform, string messageHash, string senderId,
        ChatKind chatKind, int chars, IntakeOutcome outcome, double elapsedMs);

    [LoggerMessage(EventId = 1101, Level = LogLevel.Warning,
        Message = "Intake unavailable for {Platform} msg={MessageHash}: {Stage} failed with {ErrorType}; the platform will retry")]
    private static partial void LogUnavailable(ILogger logger, Platform platform, string messageHash, string stage, string errorType);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Warning, Message = "Could not release a dedupe claim ({ErrorType}); it will expire")]
    private static partial void LogReleaseFailed(ILogger logger, string errorType);
}
