using System.Collections.Concurrent;
using System.Globalization;
using ChatBot.Core.Messages;
using ChatBot.Core.Observability;
using ChatBot.Core.PlatformApi;
using ChatBot.Core.Privacy;
using ChatBot.Core.Queue;
using ChatBot.Core.Replies;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ChatBot.Core.Pipeline;

/// <summary>
/// Waits for the model's turn in the <see cref="AnswerLine"/>, and a user who has to wait is told at once, with the
/// place in line: on a stream (WeCom AI bot) the notice is the stream's first content, which the answer then
/// replaces; elsewhere it is one short message of its own, once per asker however many of their questions wait in line.
/// A notice is a courtesy: one the platform's rate limit
/// would delay is skipped rather than holding the answer back, and one that fails is logged and forgotten.
/// </summary>
public sealed partial class LineNotice(AnswerLine line, IServiceProvider services, IOptionsMonitor<AnswerOptions> options, ChatBotMetrics metrics, ILogger<LineNotice> logger)
{
    /// <summary>A notice goes out under the message's id with this suffix, so the delivery ledger never takes it for the answer.</summary>
    public const string MessageIdSuffix = "#queued";

    // Askers with a question in line now, by platform and sender (memory only): one who sends five questions at once
    // is told once, not five times.
    private readonly ConcurrentDictionary<string, int> _waiting = new(StringComparer.Ordinal);

    public async Task<IDisposable> WaitForTurnAsync(InboundMessage message, IStreamingReplySender? streaming, CancellationToken cancellationToken)
    {
        var asker = $"{message.Platform}:{message.SenderId}";
        var told = false;
        try
        {
            return await line.EnterAsync(message.ReceivedAt, asker, place =>
            {
                told = true;
                var first = _waiting.AddOrUpdate(asker, 1, (_, n) => n + 1) == 1;

                // A stream is the question's own (and costs no message), so every queued stream shows its place.
                return first || streaming is not null ? TellAsync(message, place, streaming, cancellationToken) : Task.CompletedTask;
            }, cancellationToken);
        }
        finally
        {
            if (told && _waiting.AddOrUpdate(asker, 0, (_, n) => n - 1) <= 0)
            {
                _waiting.TryRemove(new KeyValuePair<string, int>(asker, 0));
            }
        }
    }

    private async Task TellAsync(InboundMessage message, int place, IStreamingReplySender? streaming, CancellationToken cancellationToken)
    {
        var hash = LogId.Hash(message.MessageId);
        LogQueued(logger, message.Platform, hash, place, line.Capacity);
        if (options.CurrentValue.PlaceInLineText is not { Length: > 0 } format)
        {
            return;
        }

        var text = string.Format(CultureInfo.InvariantCulture, format, place);
        try
        {
            if (streaming is not null)
            {
                await streaming.UpdateAsync(message, text, cancellationToken);
            }
            else
            {
                var sender = services.GetRequiredKeyedService<IReplySender>(message.Route.SenderKey);
                await sender.SendAsync(message with { MessageId = message.MessageId + MessageIdSuffix }, text, cancellationToken);
            }

            metrics.LineNotice("sent");
        }
        catch (PacingException)
        {
            metrics.LineNotice("skipped_rate_limit");
            LogSkipped(logger, message.Platform, hash);
        }
        catch (Exception ex) when (ex is not OperationCanceledException && ex is not OutOfMemoryException)
        {
            metrics.LineNotice("failed");
            LogFailed(logger, message.Platform, hash, ex is PlatformApiException api ? api.Code : ex.GetType().Name);
        }
    }

    [LoggerMessage(EventId = 1212, Level = LogLevel.Information, Message = "{Platform} msg={MessageHash} waits for the model: place {Place} in line ({Capacity} answered at once)")]
    private static partial void LogQueued(ILogger logger, Platform platform, string messageHash, int place, int capacity);

    [LoggerMessage(EventId = 1213, Level = LogLevel.Information, Message = "Queue notice for {Platform} msg={MessageHash} skipped: the conversation's send rate is used up, and the answer comes first")]
    private static partial void LogSkipped(ILogger logger, Platform platform, string messageHash);

    [LoggerMessage(EventId = 1214, Level = LogLevel.Warning, Message = "Queue notice for {Platform} msg={MessageHash} failed with {Error}; the answer still follows")]
    private static partial void LogFailed(ILogger logger, Platform platform, string messageHash, string error);
}
