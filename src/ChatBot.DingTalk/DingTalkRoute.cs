using ChatBot.Core.Messages;
using ChatBot.Core.Replies;

namespace ChatBot.DingTalk;

/// <summary>
/// DingTalk app robot: the <c>sessionWebhook</c> while it lives (≈90 min), then the OpenAPI group or 1:1 send
/// (dingtalk.md §4).
/// </summary>
public sealed record DingTalkRoute(
    string? SessionWebhook,
    DateTimeOffset? SessionWebhookExpiresAt,
    string ConversationId,
    string RobotCode,
    string? SenderStaffId,
    bool Markdown = false,
    string? SenderNick = null) : ReplyRoute
{
    public const string Key = "dingtalk";
    public override string SenderKey => Key;

    /// <summary>Sent as DingTalk's Markdown message (<c>DingTalk:MessageFormat</c>, fixed when the message came in).</summary>
    public override MarkdownDialect Dialect => Markdown ? MarkdownDialect.DingTalk : MarkdownDialect.Plain;
}
