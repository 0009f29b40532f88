using System.Collections.Concurrent;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using ChatBot.Core.Messages;
using ChatBot.Core.PlatformApi;
using ChatBot.Core.Replies;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ChatBot.DingTalk.Api;

/// <summary>
/// An answer shown while it is generated, through a DingTalk AI/interactive card made from the admin's template
/// (<c>DingTalk:StreamingCardTemplateId</c>): one card instance per answer, then full-text streaming updates.
/// <para>
/// The calls, as DingTalk's card API documents them and its official SDK (aliyun/dingtalk-sdk, card_1_0
/// CreateAndDeliverRequest / StreamingUpdateRequest) names the fields:
/// <c>POST /v1.0/card/instances/createAndDeliver</c> with <c>cardTemplateId</c>, <c>outTrackId</c> (ours),
/// <c>cardData.cardParamMap</c> (string values), <c>openSpaceId</c> <c>dtv1.card//IM_GROUP.&lt;openConversationId&gt;</c>
/// or <c>dtv1.card//IM_ROBOT.&lt;userId&gt;</c>, the matching <c>imGroupOpenDeliverModel</c> /
/// <c>imRobotOpenDeliverModel</c> (<c>robotCode</c>; <c>spaceType</c> IM_ROBOT; in a group <c>atUserIds</c>, staff id → name, the
/// SDK's <c>Dictionary&lt;string, string&gt;</c>), <c>callbackType</c> STREAM and
/// <c>userIdType</c> 1 (staff ids); then <c>PUT /v1.0/card/streaming</c> with <c>outTrackId</c>, <c>guid</c> (per
/// request), <c>key</c> (the template's variable), <c>content</c>, <c>isFull</c>, <c>isFinalize</c>, <c>isError</c>.
/// Where sources disagree: community clients write the space type in upper or lower case (<c>IM_ROBOT</c> /
/// <c>im_robot</c>) and some omit <c>robotCode</c> from <c>imRobotOpenDeliverModel</c>; we send the SDK's example form
/// (upper case, with robotCode). DingTalk documents no error codes for an unknown card or one already finalized, so
/// no decision here reads one: any refusal counts.
/// </para>
/// <para>
/// Exactly once: the card is created under an <c>outTrackId</c> derived from the message's dedupe key, recorded in the
/// delivery ledger before the call, so a retry (or another instance) never creates a second card. Every update carries
/// the whole text (<c>isFull</c>), so an update lost or repeated shows nothing twice, and the final one carries the
/// whole answer: an update that timed out costs nothing but a moment's lag.
/// </para>
/// </summary>
internal sealed partial class DingTalkStreamingCard(
    DingTalkApiClient api,
    IOptionsMonitor<DingTalkOptions> options,
    IDeliveryLedger delivery,
    ILogger<DingTalkStreamingCard> logger)
{
    /// <summary>The least time between two updates of one card (DingTalk's card API is rate limited per app).</summary>
    internal static readonly TimeSpan UpdateInterval = TimeSpan.FromMilliseconds(500);

    // Per card in this process: when it was last updated, and whether DingTalk refused to create it (memory only; the
    // ledger is what a retry or another instance goes by).
    private readonly ConcurrentDictionary<string, (long LastUpdate, bool Refused)> _cards = new(StringComparer.Ordinal);

    /// <summary>Whether this message can be answered through a card: a template is set and the space can be addressed.</summary>
    public bool Serves(InboundMessage message, DingTalkRoute route) =>
        options.CurrentValue.StreamingCardTemplateId is { Length: > 0 }
        && (message.ChatKind == ChatKind.Group || !string.IsNullOrEmpty(route.SenderStaffId));

    public static string OutTrackId(InboundMessage message) =>
        "chatbot-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(message.DedupeKey)))[..32];

    private static string CardKey(InboundMessage message) => message.DedupeKey + "#card";

    /// <summary>Shows the text so far: creates the card on the first call, then updates it, at most every <see cref="UpdateInterval"/>.</summary>
    public async Task UpdateAsync(InboundMessage message, DingTalkRoute route, string textSoFar, CancellationToken cancellationToken)
    {
        var id = OutTrackId(message);
        var now = Stopwatch.GetTimestamp();
        if (_cards.TryGetValue(id, out var card) && (card.Refused || Stopwatch.GetElapsedTime(card.LastUpdate, now) < UpdateInterval))
        {
            return;
        }

        Prune();
        _cards[id] = (now, false);
        try
        {
            if (await delivery.GetAsync(CardKey(message), cancellationToken) == DeliveryState.None)
            {
                try
                {
                    // Created with the text so far: the card is never seen empty.
                    await PartDelivery.SendAsync(delivery, CardKey(message), ResendPolicy.AtMostOnce, ct => CreateAsync(message, route, id, textSoFar, ct), cancellationToken);
                }
                catch (PlatformApiException ex) when (!ex.Transient)
                {
                    // The card API refused the card (no permission, template unpublished, …): the answer goes the plain way.
                    _cards[id] = (now, true);
                    LogCardRefused(logger, ex.Code);
                }

                return;
            }

            await StreamAsync(id, textSoFar, finalize: false, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // An update is only a preview: the final update carries the whole answer.
            LogUpdateFailed(logger, ex is PlatformApiException p ? p.Code : ex.GetType().Name);
        }
    }

    /// <summary>
    /// Finishes the card with the whole answer. <returns>False when no card exists for the message (none was begun,
    /// DingTalk refused it, or it refuses a card whose creation had an unknown outcome): the caller sends the plain way.</returns>
    /// </summary>
    public async Task<bool> FinishAsync(InboundMessage message, string text, CancellationToken cancellationToken)
    {
        var id = OutTrackId(message);
        _cards.TryRemove(id, out _);
        var created = await delivery.GetAsync(CardKey(message), cancellationToken);
        if (created == DeliveryState.None)
        {
            return false;
        }

        var finalKey = message.DedupeKey + "#card-final";
        var earlierFinal = await delivery.GetAsync(finalKey, cancellationToken);
        try
        {
            // Resend: a full update repeated replaces the card's text with the same text; it cannot show twice.
            await PartDelivery.SendAsync(delivery, finalKey, ResendPolicy.Resend, ct => StreamAsync(id, text, finalize: true, ct), cancellationToken);
            return true;
        }
        catch (PlatformApiException ex) when (!ex.Transient && earlierFinal == DeliveryState.Attempted)
        {
            // An earlier final update whose answer was lost did land: the card is closed with the whole answer.
            await delivery.SetAsync(finalKey, DeliveryState.Sent, CancellationToken.None);
            LogFinalAlreadyLanded(logger, ex.Code);
            return true;
        }
        catch (PlatformApiException ex) when (!ex.Transient)
        {
            // A card whose creation had an unknown outcome and does not exist, or one DingTalk will not finish: the
            // plain way still answers (at most a partial preview stays above it).
            LogFinalRefused(logger, ex.Code, created == DeliveryState.Attempted);
            return false;
        }
    }

    private Task CreateAsync(InboundMessage message, DingTalkRoute route, string id, string content, CancellationToken cancellationToken)
    {
        var settings = options.CurrentValue;
        var cardData = new CardData(new Dictionary<string, string> { [settings.StreamingCardContentKey] = content });
        var body = message.ChatKind == ChatKind.Group
            ? new CardCreation(settings.StreamingCardTemplateId, id, cardData, "STREAM", 1, "dtv1.card//IM_GROUP." + route.ConversationId,
                ImGroupOpenSpaceModel: new CardSpace(SupportForward: true),
                // The asker is @-mentioned on the card, as a group's plain answer @s them (atUserIds: staff id → name).
                ImGroupOpenDeliverModel: new GroupCardDelivery(route.RobotCode, string.IsNullOrEmpty(route.SenderStaffId)
                    ? null
                    : new Dictionary<string, string> { [route.SenderStaffId] = route.SenderNick ?? route.SenderStaffId }))
            : new CardCreation(settings.StreamingCardTemplateId, id, cardData, "STREAM", 1, "dtv1.card//IM_ROBOT." + route.SenderStaffId,
                ImRobotOpenSpaceModel: new CardSpace(SupportForward: true),
                ImRobotOpenDeliverModel: new RobotCardDelivery("IM_ROBOT", route.RobotCode));
        return api.CallOpenApiAsync(HttpMethod.Post, "v1.0/card/instances/createAndDeliver", body, DingTalkJson.Default.CardCreation, null, cancellationToken);
    }

    private Task StreamAsync(string id, string content, bool finalize, CancellationToken cancellationToken) =>
        api.CallOpenApiAsync(HttpMethod.Put, "v1.0/card/streaming",
            new CardStreamingUpdate(id, Guid.NewGuid().ToString("N"), options.CurrentValue.StreamingCardContentKey, content, IsFull: true, IsFinalize: finalize, IsError: false),
            DingTalkJson.Default.CardStreamingUpdate, null, cancellationToken);

    /// <summary>Cards whose answer never finished (a job that gave up) are forgotten after a while.</summary>
    private void Prune()
    {
        if (_cards.Count < 1_000)
        {
            return;
        }

        foreach (var (id, card) in _cards)
        {
            if (Stopwatch.GetElapsedTime(card.LastUpdate) > TimeSpan.FromMinutes(30))
            {
                _cards.TryRemove(id, out _);
            }
        }
    }

    [LoggerMessage(EventId = 3110, Level = LogLevel.Warning, Message = "DingTalk refused the streaming card ({Code}); the answer goes as a plain message")]
    private static partial void LogCardRefused(ILogger logger, string code);

    [LoggerMessage(EventId = 3111, Level = LogLevel.Information, Message = "A streaming card update failed ({Problem}); the final update carries the whole answer")]
    private static partial void LogUpdateFailed(ILogger logger, string problem);

    [LoggerMessage(EventId = 3112, Level = LogLevel.Information, Message = "The card's final update was refused ({Code}) after an earlier one with an unknown outcome: that one landed")]
    private static partial void LogFinalAlreadyLanded(ILogger logger, string code);

    [LoggerMessage(EventId = 3113, Level = LogLevel.Warning, Message = "The card's final update was refused ({Code}; creation outcome unknown: {CreationUnknown}); the answer goes as a plain message")]
    private static partial void LogFinalRefused(ILogger logger, string code, bool creationUnknown);
}
