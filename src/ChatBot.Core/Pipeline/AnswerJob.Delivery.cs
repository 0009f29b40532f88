using ChatBot.Core.Messages;
using ChatBot.Core.Privacy;
using ChatBot.Core.Queue;
using ChatBot.Core.Replies;
using Microsoft.Extensions.DependencyInjection;

namespace ChatBot.Core.Pipeline;

/// <summary>How the job's outcome reaches the user: the answer sent and recorded, or the failure settled.</summary>
public sealed partial class AnswerJob
{
    private async Task SendAsync(InboundMessage message, string text, CancellationToken cancellationToken)
    {
        var sender = services.GetRequiredKeyedService<IReplySender>(message.Route.SenderKey);
        await sender.SendAsync(message, text, cancellationToken);
        await delivery.SetAsync(message.DedupeKey, DeliveryState.Sent, CancellationToken.None);
    }

    /// <summary>The system failed, not the user: the question is given back, and the user is told where a channel still works.</summary>
    private async Task SettleAsync(SealedAnswer answer, string hash)
    {
        var message = answer.Message;
        if (answer.Charged)
        {
            try
            {
                await quotas.RefundAsync(message, CancellationToken.None);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                LogRefundFailed(logger, message.Platform, hash, ex.GetType().Name);
            }
        }

        try
        {
            var sender = services.GetRequiredKeyedService<IReplySender>(message.Route.SenderKey);
            await sender.SendAsync(message with { MessageId = message.MessageId + "#failure" }, answerOptions.CurrentValue.FailureText, CancellationToken.None);
        }
        catch (Exception notifyError) when (notifyError is not OutOfMemoryException)
        {
            LogNotifyFailed(logger, message.Platform, hash, notifyError is PlatformApiException api ? api.Code : notifyError.GetType().Name);
        }
    }
}
