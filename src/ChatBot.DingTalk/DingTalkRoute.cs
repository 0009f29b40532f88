using ChatBot.Core.Messages;

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
    string? SenderStaffId) : ReplyRoute
{
    public const string Key = "dingtalk";
    public override string SenderKey => Key;
}
