using System.Text;
using ChatBot.Core.Messages;
using ChatBot.Core.Replies;
using Microsoft.Extensions.Options;

namespace ChatBot.WeCom.Api;

/// <summary>Self-built app: message/send to the user, 2,048 bytes a part, 30 a minute per member (wecom.md §3, §5).</summary>
internal sealed class WeComAppReplySender(WeComApiClient api, IDeliveryLedger delivery) : IReplySender
{
    public const int MaxBytes = 2048;
    private readonly ConversationRateLimiter _perMember = new(30);

    public async Task SendAsync(InboundMessage message, string text, CancellationToken cancellationToken)
    {
        var route = (WeComAppRoute)message.Route;
        var parts = ReplySplitter.Split(text, MaxBytes);
        for (var i = 0; i < parts.Count; i++)
        {
            // Each part is recorded, so a retry after part 2 failed does not send part 1 again.
            var partKey = $"{message.DedupeKey}#{i}";
            if (await delivery.WasSentAsync(partKey, cancellationToken))
            {
                continue;
            }

            await _perMember.WaitAsync(route.UserId, cancellationToken);
            await api.SendTextAsync(route.UserId, route.AgentId, parts[i], cancellationToken);
            await delivery.MarkSentAsync(partKey, CancellationToken.None);
        }
    }
}

/// <summary>
/// AI bot: the one-shot <c>response_url</c> (markdown, ≤ 20,480 bytes, one call per URL). An answer longer than
/// that is cut at a good boundary and says so, since the URL takes one message only.
/// </summary>
internal sealed class WeComAiBotReplySender(WeComApiClient api, IOptionsMonitor<WeComOptions> options) : IReplySender
{
    public const int MaxBytes = 20480;

    public async Task SendAsync(InboundMessage message, string text, CancellationToken cancellationToken)
    {
        var route = (WeComAiBotRoute)message.Route;
        if (!ReplyUrlGuard.IsAllowed(route.ResponseUrl, options.CurrentValue.AllowedReplyHosts))
        {
            throw new PlatformApiException("WeCom", "response_url host is not in WeCom:AllowedReplyHosts", transient: false);
        }

        var content = Encoding.UTF8.GetByteCount(text) <= MaxBytes ? text : ReplySplitter.Head(text, MaxBytes - 32) + "\n\n…(truncated)";
        await api.RespondAsync(new Uri(route.ResponseUrl), content, cancellationToken);
    }
}
