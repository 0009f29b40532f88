using ChatBot.Core.Messages;
using ChatBot.Core.Privacy;
using ChatBot.Core.Queue;
using ChatBot.Core.Replies;
using ChatBot.Core.Screening;
using System.Globalization;
using Hangfire.Server;
using Microsoft.Extensions.DependencyInjection;

namespace ChatBot.Core.Pipeline;

/// <summary>How the job's outcome reaches the user: the answer sent and recorded, or the failure settled.</summary>
public sealed partial class AnswerJob
{
    private async Task SendAsync(InboundMessage message, string text, CancellationToken cancellationToken)
    {
        var sender = services.GetRequiredKeyedService<IReplySender>(message.Route.SenderKey);
        await sender.SendAsync(message, MaskAnswer(text), cancellationToken);
        await delivery.SetAsync(message.DedupeKey, DeliveryState.Sent, CancellationToken.None);
    }

    /// <summary>
    /// A question older than <c>Answers:MaxQueueAge</c> is not answered: its charge is refunded, and its asker is told
    /// once per that age (at least <c>Quotas:NoticeInterval</c>) however many of their questions expired (one notice
    /// after an outage, not twenty).
    /// </summary>
    private async Task ExpireAsync(SealedAnswer answer, string hash, TimeSpan waited, long started, AnswerFacts facts)
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
        if (await dedupe.TryClaimAsync(noticeKey, message.DedupeKey, interval, CancellationToken.None) == Dedupe.ClaimState.Claimed)
        {
            var sender = services.GetRequiredKeyedService<IReplySender>(message.Route.SenderKey);
            await sender.SendAsync(message with { MessageId = message.MessageId + "#expired" }, options.ExpiredText, CancellationToken.None);
        }

        metrics.Reply(message.Platform, "expired");
        Audit(message, "expired", started, facts, code: null);
    }

    /// <summary>
    /// The question with its personal data masked before the model, the documents' search or the conversation's memory
    /// sees it, and the answer opened (<see cref="AnswerFacts.Opening"/>) by one line telling the asker what was hidden.
    /// Counted, never logged.
    /// </summary>
    private async Task<string> AnswerMaskedAsync(InboundMessage message, bool charged, string hash, PerformContext? context, AnswerFacts facts, CancellationToken cancellationToken)
    {
        var options = screening.CurrentValue;
        var (masked, found) = PersonalData.Mask(message.Text, options.PersonalData);
        foreach (var category in found)
        {
            metrics.ScreeningHit("input", "personal-data:" + category);
        }

        if (found.Count > 0)
        {
            // Before the generation starts, so a stream's first update already carries it and every update is a prefix of the next.
            facts.Opening += string.Format(CultureInfo.InvariantCulture, options.PersonalDataNotice, string.Join("、", found.Select(Hidden))) + "\n";
        }

        return await AnswerAsync(found.Count > 0 ? message with { Text = masked } : message, charged, hash, context, facts, cancellationToken);

        static string Hidden(string category) => PersonalData.Label(category).Trim('[', ']').Replace("已隐藏", "", StringComparison.Ordinal);
    }

    /// <summary>Every answer part leaves with personal data masked, whatever wrote it: the model, a document, a quote.</summary>
    /// <param name="count">False for a stream's updates, which repeat the text so far: the whole answer is counted once.</param>
    private string MaskAnswer(string text, bool count = true)
    {
        var (masked, found) = PersonalData.Mask(text, screening.CurrentValue.PersonalData);
        foreach (var category in count ? found : [])
        {
            metrics.ScreeningHit("output", "personal-data:" + category);
        }

        return masked;
    }

    // Memory helps a follow-up; it never costs an answer: a store that fails is logged and the answer goes on without it.
    private async Task<IReadOnlyList<Microsoft.Extensions.AI.ChatMessage>> RecallAsync(InboundMessage message, string hash, CancellationToken cancellationToken)
    {
        try
        {
            return await memory.RecallAsync(message, cancellationToken);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException && !cancellationToken.IsCancellationRequested)
        {
            LogMemoryFailed(logger, message.Platform, hash, ex.GetType().Name);
            return [];
        }
    }

    private async Task RememberAsync(InboundMessage message, string answer, string hash)
    {
        try
        {
            await memory.RememberAsync(message, answer, CancellationToken.None);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogMemoryFailed(logger, message.Platform, hash, ex.GetType().Name);
        }
    }

    /// <summary>A send whose outcome is unknown: recorded as such, refunded, and settled so no retry or rescue sends again.</summary>
    private async Task SettleUnknownAsync(SealedAnswer answer, string hash, DeliveryUnknownException unknown, long started, AnswerFacts facts)
    {
        var message = answer.Message;
        LogDeliveryUnknown(logger, message.Platform, hash, unknown.Channel, unknown.FollowedUp);
        metrics.Reply(message.Platform, "unknown", unknown.Channel);
        Audit(message, "unknown", started, facts, unknown.FollowedUp ? "followed_up" : "no_follow_up");
        await delivery.SetAsync(message.DedupeKey, DeliveryState.Sent, CancellationToken.None);
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

    /// <summary>
    /// A sign of life where the channel cannot stream (the WeCom app, DingTalk without a card): when the model has not
    /// begun its answer after <c>Answers:ThinkingNoticeAfter</c>, one short message in a direct chat (a group would read
    /// it as noise). Sent like any part — through the delivery ledger and the conversation's send rate — and never
    /// allowed to fail the answer.
    /// </summary>
    private ThinkingNotice StartThinking(InboundMessage message, bool streams)
    {
        var options = answerOptions.CurrentValue;
        if (streams || message.ChatKind != ChatKind.Direct || options.ThinkingNoticeAfter <= TimeSpan.Zero || options.ThinkingText is not { Length: > 0 } text)
        {
            return new ThinkingNotice(TimeSpan.Zero, () => Task.CompletedTask);
        }

        return new ThinkingNotice(options.ThinkingNoticeAfter, async () =>
        {
            try
            {
                var sender = services.GetRequiredKeyedService<IReplySender>(message.Route.SenderKey);
                await sender.SendAsync(message with { MessageId = message.MessageId + "#thinking" }, text, CancellationToken.None);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                LogNotifyFailed(logger, message.Platform, LogId.Hash(message.MessageId), ex is PlatformApiException api ? api.Code : ex.GetType().Name);
            }
        });
    }

    /// <summary>Sends once after a delay unless cancelled first (the answer began).</summary>
    private sealed class ThinkingNotice : IAsyncDisposable
    {
        private readonly CancellationTokenSource _cancel = new();
        private readonly Task _sending;

        public ThinkingNotice(TimeSpan after, Func<Task> send) =>
            _sending = after > TimeSpan.Zero ? SendAsync(after, send, _cancel.Token) : Task.CompletedTask;

        public void Cancel() => _cancel.Cancel();

        private static async Task SendAsync(TimeSpan after, Func<Task> send, CancellationToken cancellationToken)
        {
            try
            {
                await Task.Delay(after, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return; // the answer began in time: no notice
            }

            await send();
        }

        // A notice already on its way is let finish, so it is not cut off half-sent; the CTS has no timer to free.
        public async ValueTask DisposeAsync()
        {
            await _cancel.CancelAsync();
            await _sending;
        }
    }
}
