using ChatBot.Core.Messages;
using Microsoft.Extensions.Logging;

namespace ChatBot.Core.Pipeline;

/// <summary>MessageIntake's log events: metadata only (hashed ids, counts, codes), never a message's text.</summary>
public sealed partial class MessageIntake
{
    [LoggerMessage(EventId = 1100, Level = LogLevel.Information,
        Message = "Intake {Platform} msg={MessageHash} sender={SenderHash} chat={ChatKind} chars={Chars} outcome={Outcome} in {ElapsedMs:F2} ms")]
    private static partial void LogIntake(ILogger logger, Platform platform, string messageHash, string senderHash,
        ChatKind chatKind, int chars, string outcome, double elapsedMs);

    [LoggerMessage(EventId = 1101, Level = LogLevel.Warning,
        Message = "Intake unavailable for {Platform} msg={MessageHash}: {Stage} failed with {ErrorType} after {ElapsedMs:F0} ms; the platform will retry")]
    private static partial void LogUnavailable(ILogger logger, Platform platform, string messageHash, string stage, string errorType, double elapsedMs);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Warning, Message = "Could not release a dedupe claim ({ErrorType}); it will expire")]
    private static partial void LogReleaseFailed(ILogger logger, string errorType);

    [LoggerMessage(EventId = 1103, Level = LogLevel.Information, Message = "Input screened {Platform} msg={MessageHash}: {Hits} hits, categories {Categories}")]
    private static partial void LogScreened(ILogger logger, Platform platform, string messageHash, int hits, string categories);

    [LoggerMessage(EventId = 1104, Level = LogLevel.Warning, Message = "Could not refund a quota charge ({ErrorType})")]
    private static partial void LogRefundFailed(ILogger logger, string errorType);
}
