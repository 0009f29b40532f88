using System.Text.Json;
using ChatBot.Core.Messages;

namespace ChatBot.DingTalk.Callbacks;

/// <summary>The app robot's inbound JSON (dingtalk.md §1); unknown fields are ignored.</summary>
internal sealed record DingTalkMessage(
    string MsgId,
    string MsgType,
    string? Text,
    ChatKind ChatKind,
    string ConversationId,
    string SenderId,
    string? SenderStaffId,
    string? ChatbotUserId,
    string? RobotCode,
    string? SessionWebhook,
    DateTimeOffset? SessionWebhookExpiresAt,
    string? SenderNick = null)
{
    /// <summary>What a message with no text to read is (picture, video, file, audio DingTalk did not transcribe); null otherwise.</summary>
    public string? Media => Text is { Length: > 0 } || MsgType is not ("picture" or "video" or "file" or "audio") ? null : MsgType;

    /// <summary>Whether intake has something to answer: text, or media it says it cannot read.</summary>
    public bool Answerable => (Text is { Length: > 0 } || Media is not null) && !string.IsNullOrEmpty(SenderId);

    /// <summary>The message for intake, the same whether it came by HTTP callback or over the Stream socket.</summary>
    /// <param name="markdown">Answers go as DingTalk's Markdown message (<c>DingTalk:MessageFormat</c>).</param>
    public InboundMessage ToInbound(string effectiveRobotCode, bool markdown, DateTimeOffset receivedAt)
    {
        var text = Text ?? "";
        var robotCode = string.IsNullOrEmpty(RobotCode) ? effectiveRobotCode : RobotCode;
        return new InboundMessage(
            Platform.DingTalk,
            robotCode,
            ChatKind,
            ConversationId,
            SenderId,
            SenderDepartment: null,
            text,
            MsgId,
            new DingTalkRoute(SessionWebhook, SessionWebhookExpiresAt, ConversationId, robotCode, SenderStaffId, markdown, SenderNick),
            receivedAt) { Media = Media };
    }

    public static DingTalkMessage? Parse(ReadOnlySpan<byte> json)
    {
        RobotMessageJson? wire;
        try
        {
            wire = JsonSerializer.Deserialize(json, DingTalkInboundJson.Default.RobotMessageJson);
        }
        // InvalidOperationException: a JSON string holding invalid UTF-8, found by the fuzz test.
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            return null;
        }

        if (wire is null || string.IsNullOrEmpty(wire.MsgId) || string.IsNullOrEmpty(wire.ConversationId))
        {
            return null;
        }

        // An exhausted usage quota arrives as errorCode 20001 with no text (dingtalk.md §1): acknowledged only.
        var msgType = wire.Msgtype ?? (wire.ErrorCode.ValueKind != JsonValueKind.Undefined ? "error" : "unknownMsgType");
        var staffId = string.IsNullOrEmpty(wire.SenderStaffId) ? null : wire.SenderStaffId;
        return new DingTalkMessage(
            wire.MsgId,
            msgType,
            TextOf(wire, msgType),
            wire.ConversationType == "2" ? ChatKind.Group : ChatKind.Direct,
            wire.ConversationId,
            staffId ?? wire.SenderId ?? "",
            staffId,
            wire.ChatbotUserId,
            wire.RobotCode,
            wire.SessionWebhook,
            wire.SessionWebhookExpiredTime,
            wire.SenderNick);
    }

    private static string? TextOf(RobotMessageJson wire, string msgType)
    {
        switch (msgType)
        {
            case "text":
                // The bot's own mention is already stripped, leaving a leading space (dingtalk.md §1).
                return wire.Text.Value?.Content?.Trim();
            case "audio":
                // DingTalk's own speech recognition (dingtalk.md §1): answered as the text it heard.
                return wire.Content.Value?.Recognition is { Length: > 0 } heard ? heard.Trim() : null;
            case "richText":
                var text = string.Concat((wire.Content.Value?.RichText.Value ?? []).Select(part => part.Value?.Text));
                return text.Length > 0 ? text.Trim() : null;
            default:
                return null;
        }
    }
}
