using System.Text;
using ChatBot.Core.Messages;
using ChatBot.Core.Pipeline;
using ChatBot.Core.PlatformApi;
using ChatBot.Core.Replies;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ChatBot.DingTalk.Api;

/// <summary>
/// Replies through the <c>sessionWebhook</c> while it lives (in groups, @-ing the asker), otherwise — or when it
/// answers 300001 — through the OpenAPI group or 1:1 send. 20 messages a minute per conversation (dingtalk.md §3).
/// DingTalk drops no repeats, so a part whose send may have arrived is never sent again: the asker gets a short
/// follow-up instead and the job records the answer as <c>unknown</c> (<see cref="DeliveryUnknownException"/>).
/// With <c>DingTalk:StreamingCardTemplateId</c> set, a model's answer streams through a card instead
/// (<see cref="DingTalkStreamingCard"/>); without a card (none set, none begun, or DingTalk refused it) the plain way.
/// </summary>
internal sealed partial class DingTalkReplySender(
    DingTalkApiClient api,
    DingTalkStreamingCard card,
    IOptionsMonitor<DingTalkOptions> options,
    IDeliveryLedger delivery,
    ISendPacer pacer,
    IOptionsMonitor<AnswerOptions> answers,
    TimeProvider clock,
    ILogger<DingTalkReplySender> logger)
    : StreamingReplySender<DingTalkRoute>
{
    /// <summary>msgParam ≤ 15,000 bytes (dingtalk.md §4.3); the same parts go through the webhook.</summary>
    public const int MaxMsgParamBytes = 15000;
    private const int MaxContentBytes = MaxMsgParamBytes - 64;
    private const int TitleLength = 24;
    private const int PerConversationPerMinute = 20;

    protected override bool Streams(InboundMessage message, DingTalkRoute route) => card.Serves(message, route);

    protected override Task UpdateAsync(InboundMessage message, DingTalkRoute route, string textSoFar, CancellationToken cancellationToken) =>
        card.UpdateAsync(message, route, textSoFar, cancellationToken);

    protected override async Task SendAsync(InboundMessage message, DingTalkRoute route, string text, CancellationToken cancellationToken)
    {
        if (card.Serves(message, route) && await card.FinishAsync(message, text, cancellationToken))
        {
            return;
        }

        await SendPlainAsync(message, route, text, cancellationToken);
    }

    private async Task SendPlainAsync(InboundMessage message, DingTalkRoute route, string text, CancellationToken cancellationToken)
    {
        var group = message.ChatKind == ChatKind.Group;
        // The answer comes written for the route already; a notice or a command's reply is written here (the same
        // writing twice is the same text). A Markdown message is titled by its first words (what the chat list and the
        // notification show).
        var title = route.RendersMarkdown ? Title(text) : null;
        var parts = Parts(route.RendersMarkdown ? MarkdownText.Write(text, route.Dialect) : text, title);
        var webhook = UsableWebhook(route);
        var unknown = 0;
        for (var i = 0; i < parts.Count; i++)
        {
            // DingTalk has no duplicate check: a part whose send may have arrived is never sent again.
            var part = parts[i];
            try
            {
                if (!await PartDelivery.SendAsync(delivery, $"{message.DedupeKey}#{i}", ResendPolicy.AtMostOnce, async ct =>
                    {
                        await pacer.AcquireAsync("dingtalk:" + route.ConversationId, PerConversationPerMinute, ct);
                        if (webhook is null || !await api.SendToWebhookAsync(webhook, part, group ? route.SenderStaffId : null, ct, title))
                        {
                            webhook = null;
                            await SendThroughOpenApiAsync(route, group, part, ct, title);
                        }
                    }, cancellationToken))
                {
                    LogNotResent(logger, i);
                    unknown++;
                }
            }
            catch (Exception ex) when (!PartDelivery.ProvesNotDelivered(ex) && !cancellationToken.IsCancellationRequested)
            {
                // A timeout, a connection lost after writing, a 5xx without DingTalk's error body: it may have arrived.
                // A retry could only skip it, so the rest of the answer goes on and the asker is told below.
                LogUnknown(logger, i, ex.GetType().Name);
                unknown++;
            }
        }

        if (unknown > 0)
        {
            throw new DeliveryUnknownException("DingTalk", webhook is null ? "OpenAPI" : "sessionWebhook", await FollowUpAsync(message, route, group, cancellationToken));
        }
    }

    /// <summary>
    /// After an unknown send, one short message saying the answer may be incomplete — through the OpenAPI (another
    /// channel than the webhook), or the webhook where the OpenAPI cannot address the asker. At most once too.
    /// </summary>
    /// <returns>Whether the follow-up was sent.</returns>
    private async Task<bool> FollowUpAsync(InboundMessage message, DingTalkRoute route, bool group, CancellationToken cancellationToken)
    {
        var text = answers.CurrentValue.DeliveryUnknownText;
        try
        {
            return await PartDelivery.SendAsync(delivery, message.DedupeKey + "#unknown-follow-up", ResendPolicy.AtMostOnce, async ct =>
            {
                if (group || !string.IsNullOrEmpty(route.SenderStaffId))
                {
                    await SendThroughOpenApiAsync(route, group, text, ct);
                }
                else if (UsableWebhook(route) is not { } webhook || !await api.SendToWebhookAsync(webhook, text, null, ct))
                {
                    throw new PlatformApiException("DingTalk", "no channel left for the follow-up", transient: false);
                }
            }, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogFollowUpFailed(logger, ex is PlatformApiException api ? api.Code : ex.GetType().Name);
            return false;
        }
    }

    [LoggerMessage(EventId = 3101, Level = LogLevel.Warning,
        Message = "Part {Part} of an answer ended with an unknown outcome earlier; DingTalk cannot drop repeats, so it is not sent again")]
    private static partial void LogNotResent(ILogger logger, int part);

    [LoggerMessage(EventId = 3102, Level = LogLevel.Warning,
        Message = "Part {Part} of an answer may or may not have reached DingTalk ({ErrorType}); it is not sent again, and the asker is told")]
    private static partial void LogUnknown(ILogger logger, int part, string errorType);

    [LoggerMessage(EventId = 3103, Level = LogLevel.Error, Message = "The follow-up after an unknown send could not be sent ({Problem})")]
    private static partial void LogFollowUpFailed(ILogger logger, string problem);

    /// <summary>
    /// The limit is on msgParam, a JSON string, where quotes, backslashes and newlines take two bytes (control
    /// characters six): parts are cut smaller until every escaped part fits.
    /// </summary>
    private static IReadOnlyList<string> Parts(string text, string? title)
    {
        var budget = MaxContentBytes - (title is null ? 0 : Encoding.UTF8.GetByteCount(title) + 16);
        var parts = ReplySplitter.Split(text, budget);
        while (budget > 1024 && parts.Any(p => Encoding.UTF8.GetByteCount(DingTalkApiClient.MsgParam(p, title)) > MaxMsgParamBytes))
        {
            budget /= 2;
            parts = ReplySplitter.Split(text, budget);
        }

        return parts;
    }

    private Uri? UsableWebhook(DingTalkRoute route) =>
        route.SessionWebhook is { } url
        && route.SessionWebhookExpiresAt is { } expires && expires > clock.GetUtcNow().AddMinutes(1)
        && ReplyUrlGuard.IsAllowed(url, options.CurrentValue.AllowedReplyHosts)
            ? new Uri(url)
            : null;

    /// <summary>The first line's words, as plain text, up to <see cref="TitleLength"/> characters.</summary>
    internal static string Title(string markdown)
    {
        var first = MarkdownText.ToPlain(markdown).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? "";
        var title = first.TrimStart('>', '•', ' ');
        if (title.Length <= TitleLength)
        {
            return title.Length == 0 ? "…" : title;
        }

        // Never half of a surrogate pair (an emoji) before the ellipsis.
        var cut = char.IsHighSurrogate(title[TitleLength - 2]) ? TitleLength - 2 : TitleLength - 1;
        return title[..cut] + "…";
    }

    private async Task SendThroughOpenApiAsync(DingTalkRoute route, bool group, string content, CancellationToken cancellationToken, string? title = null)
    {
        if (group)
        {
            // conversationId of a group is its openConversationId (dingtalk.md §1).
            await api.SendToGroupAsync(route.RobotCode, route.ConversationId, content, cancellationToken, title);
            return;
        }

        if (string.IsNullOrEmpty(route.SenderStaffId))
        {
            // External users and the console's debug group have no staff id: nothing the OpenAPI can address.
            throw new PlatformApiException("DingTalk", "no senderStaffId and no live sessionWebhook", transient: false);
        }

        await api.SendToUserAsync(route.RobotCode, route.SenderStaffId, content, cancellationToken, title);
    }
}
