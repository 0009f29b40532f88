using ChatBot.Core.Messages;
using ChatBot.Core.Observability;
using ChatBot.Core.PlatformApi;
using ChatBot.Core.Privacy;
using ChatBot.Core.Replies;
using ChatBot.Core.Screening;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ChatBot.Core.Pipeline;

/// <summary>
/// How a job's words reach the asker: the answer through its channel's sender (which splits, paces and records each
/// part), marked sent in the delivery ledger; and the short notices beside it (thinking, expired, failure), each under
/// an id of its own, never allowed to fail the job. Every text leaves with personal data masked, whatever wrote it.
/// </summary>
public sealed partial class AnswerDelivery(
    IServiceProvider services,
    IDeliveryLedger ledger,
    IOptionsMonitor<ScreeningOptions> screening,
    ChatBotMetrics metrics,
    ILogger<AnswerDelivery> logger)
{
    /// <summary>The channel's sender, by the route's key (one per platform channel).</summary>
    public IReplySender SenderFor(InboundMessage message) => services.GetRequiredKeyedService<IReplySender>(message.Route.SenderKey);

    /// <summary>Sends the answer and records it sent, so no retry or rescue sends it again.</summary>
    public async Task SendAsync(InboundMessage message, string text, CancellationToken cancellationToken)
    {
        await SenderFor(message).SendAsync(message, Mask(text), cancellationToken);
        await ledger.SetAsync(message.DedupeKey, DeliveryState.Sent, CancellationToken.None);
    }

    /// <summary>
    /// A notice beside the answer, as its own message (<paramref name="suffix"/> keeps its parts apart from the
    /// answer's in the ledger). A failure is logged, not thrown: a notice never costs the answer or the settlement.
    /// </summary>
    public async Task NotifyAsync(InboundMessage message, string suffix, string text)
    {
        try
        {
            await SenderFor(message).SendAsync(message with { MessageId = message.MessageId + suffix }, text, CancellationToken.None);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogNotifyFailed(logger, message.Platform, LogId.Hash(message.MessageId), ex is PlatformApiException api ? api.Code : ex.GetType().Name);
        }
    }

    /// <summary>The text with personal data masked.</summary>
    /// <param name="count">False for a stream's updates, which repeat the text so far: the whole answer is counted once.</param>
    public string Mask(string text, bool count = true)
    {
        var (masked, found) = PersonalData.Mask(text, screening.CurrentValue.PersonalData);
        foreach (var category in count ? found : [])
        {
            metrics.ScreeningHit("output", "personal-data:" + category);
        }

        return masked;
    }

    [LoggerMessage(EventId = 1206, Level = LogLevel.Error, Message = "Could not tell {Platform} msg={MessageHash} about the failure: {Error}")]
    private static partial void LogNotifyFailed(ILogger logger, Platform platform, string messageHash, string error);
}
