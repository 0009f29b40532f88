using System.Text;
using ChatBot.Core.Messages;
using ChatBot.Core.PlatformApi;
using ChatBot.Core.Replies;
using ChatBot.WeCom.Streams;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ChatBot.WeCom.Api;

/// <summary>Self-built app: message/send to the user, 2,048 bytes a part, 30 a minute per member (wecom.md §3, §5).</summary>
internal sealed class WeComAppReplySender(WeComApiClient api, IDeliveryLedger delivery, ISendPacer pacer) : ReplySender<WeComAppRoute>
{
    public const int MaxBytes = 2048;
    private const int PerMemberPerMinute = 30;

    protected override async Task SendAsync(InboundMessage message, WeComAppRoute route, string text, CancellationToken cancellationToken)
    {
        // The answer comes written for the route already; a notice or a command's reply is written here (the same
        // writing twice is the same text).
        var markdown = route.RendersMarkdown;
        var parts = ReplySplitter.Split(markdown ? MarkdownText.Write(text, route.Dialect) : text, MaxBytes);
        for (var i = 0; i < parts.Count; i++)
        {
            // Each part is recorded, so a retry after part 2 failed does not send part 1 again. A part whose outcome is
            // unknown is sent again: the same text inside WeCom's duplicate-check window is dropped by WeCom.
            var part = parts[i];
            await PartDelivery.SendAsync(delivery, $"{message.DedupeKey}#{i}", ResendPolicy.Resend, async ct =>
            {
                await pacer.AcquireAsync("wecom-app:" + route.UserId, PerMemberPerMinute, ct);
                await api.SendTextAsync(route.UserId, route.AgentId, part, ct, markdown);
            }, cancellationToken);
        }
    }
}

/// <summary>
/// AI bot: a stream while WeCom's refresh window is open — the text so far goes to the stream store, which the
/// refresh callbacks read — with the one-shot <c>response_url</c> (markdown, ≤ 20,480 bytes, one call per URL) as
/// the fallback when no refresh picks the finished answer up in time (wecom.md §2).
/// </summary>
internal sealed partial class WeComAiBotReplySender(WeComApiClient api, IOptionsMonitor<WeComOptions> options, IStreamStore streams, IDeliveryLedger delivery,
    TimeProvider clock, ILogger<WeComAiBotReplySender> logger)
    : StreamingReplySender<WeComAiBotRoute>
{
    public const int MaxBytes = 20480;

    protected override bool Streams(InboundMessage message, WeComAiBotRoute route) =>
        route.StreamId is not null
        && (route.ViaLongConnection || clock.GetUtcNow() - message.ReceivedAt < StreamWindow.Length - TimeSpan.FromSeconds(30));

    protected override Task UpdateAsync(InboundMessage message, WeComAiBotRoute route, string textSoFar, CancellationToken cancellationToken) =>
        streams.SetAsync(route.StreamId!, new StreamState(Fit(textSoFar), Finished: false), cancellationToken);

    protected override async Task SendAsync(InboundMessage message, WeComAiBotRoute route, string text, CancellationToken cancellationToken)
    {
        var content = Fit(text);
        if (route.ViaLongConnection)
        {
            // The connection's holder — this instance or another — streams it on the socket, or sends it whole once
            // the stream is closed; the finished answer waits for it in the (shared) stream store.
            await streams.SetAsync(route.StreamId!, new StreamState(content, Finished: true), cancellationToken);
            return;
        }

        if (Streams(message, route))
        {
            await streams.SetAsync(route.StreamId!, new StreamState(content, Finished: true), cancellationToken);
            // Looked at once more after a pause that overran the deadline (a busy machine): WeCom may have picked the
            // answer up during it, and the response_url below would then send it a second time.
            var deadline = clock.GetUtcNow() + options.CurrentValue.AiBot.StreamPickupTimeout;
            while (true)
            {
                if (await streams.GetAsync(route.StreamId!, cancellationToken) is { Delivered: true })
                {
                    return;
                }

                if (clock.GetUtcNow() >= deadline)
                {
                    break;
                }

                await Task.Delay(TimeSpan.FromMilliseconds(200), clock, cancellationToken);
            }
        }

        if (!ReplyUrlGuard.IsAllowed(route.ResponseUrl, options.CurrentValue.AllowedReplyHosts))
        {
            throw new PlatformApiException("WeCom", "response_url host is not in WeCom:AllowedReplyHosts", transient: false);
        }

        // One call per URL: after an unknown outcome the URL may be spent and the answer shown, so it is not called again.
        // The AI bot has no other channel to say so: the job records the answer as unknown, never as answered.
        bool sent;
        try
        {
            sent = await PartDelivery.SendAsync(delivery, message.DedupeKey + "#response_url", ResendPolicy.AtMostOnce,
                ct => api.RespondAsync(new Uri(route.ResponseUrl), content, ct), cancellationToken);
        }
        catch (Exception ex) when (!PartDelivery.ProvesNotDelivered(ex) && !cancellationToken.IsCancellationRequested)
        {
            throw new DeliveryUnknownException("WeCom", "response_url", followedUp: false);
        }

        if (!sent)
        {
            LogNotResent(logger);
            throw new DeliveryUnknownException("WeCom", "response_url", followedUp: false);
        }
    }

    [LoggerMessage(EventId = 2201, Level = LogLevel.Warning,
        Message = "An earlier response_url call ended with an unknown outcome; the one-shot URL is not called again")]
    private static partial void LogNotResent(ILogger logger);

    private static string Fit(string text) =>
        Encoding.UTF8.GetByteCount(text) <= MaxBytes ? text : ReplySplitter.Head(text, MaxBytes - 32) + "\n\n…(truncated)";
}
