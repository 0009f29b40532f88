using System.Globalization;
using System.Text;
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
        try
        {
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 16 });
            using var document = JsonDocument.ParseValue(ref reader);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            var msgId = String(root, "msgId");
            var conversationId = String(root, "conversationId");
            if (string.IsNullOrEmpty(msgId) || string.IsNullOrEmpty(conversationId))
            {
                return null;
            }

            // An exhausted usage quota arrives as errorCode 20001 with no text (dingtalk.md §1): acknowledged only.
            var msgType = String(root, "msgtype") ?? (root.TryGetProperty("errorCode", out _) ? "error" : "unknownMsgType");
            var staffId = String(root, "senderStaffId");
            return new DingTalkMessage(
                msgId,
                msgType,
                TextOf(root, msgType),
                String(root, "conversationType") == "2" ? ChatKind.Group : ChatKind.Direct,
                conversationId,
                string.IsNullOrEmpty(staffId) ? String(root, "senderId") ?? "" : staffId,
                string.IsNullOrEmpty(staffId) ? null : staffId,
                String(root, "chatbotUserId"),
                String(root, "robotCode"),
                String(root, "sessionWebhook"),
                EpochMs(root, "sessionWebhookExpiredTime"),
                String(root, "senderNick"));
        }
        // InvalidOperationException: a JSON string holding invalid UTF-8, found by the fuzz test.
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            return null;
        }
    }

    private static string? TextOf(JsonElement root, string msgType)
    {
        if (msgType == "text")
        {
            // The bot's own mention is already stripped, leaving a leading space (dingtalk.md §1).
            return root.TryGetProperty("text", out var text) && text.ValueKind == JsonValueKind.Object ? String(text, "content")?.Trim() : null;
        }

        if (msgType == "audio")
        {
            // DingTalk's own speech recognition (dingtalk.md §1): answered as the text it heard.
            return root.TryGetProperty("content", out var audio) && audio.ValueKind == JsonValueKind.Object && String(audio, "recognition") is { Length: > 0 } heard
                ? heard.Trim()
                : null;
        }

        if (msgType != "richText" || !root.TryGetProperty("content", out var content) || content.ValueKind != JsonValueKind.Object
            || !content.TryGetProperty("richText", out var parts) || parts.ValueKind != JsonValueKind.Array)
        {
            return null;
        }

        var builder = new StringBuilder();
        foreach (var part in parts.EnumerateArray())
        {
            if (part.ValueKind == JsonValueKind.Object && String(part, "text") is { } piece)
            {
                builder.Append(piece);
            }
        }

        return builder.Length > 0 ? builder.ToString().Trim() : null;
    }

    private static string? String(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    // Epoch milliseconds: a number on the wire, a string in the docs; both are accepted (dingtalk.md §1).
    private static DateTimeOffset? EpochMs(JsonElement element, string name)
    {
        if (!element.TryGetProperty(name, out var value))
        {
            return null;
        }

        long ms;
        if (value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var number))
        {
            ms = number;
        }
        else if (value.ValueKind == JsonValueKind.String && long.TryParse(value.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out var parsed))
        {
            ms = parsed;
        }
        else
        {
            return null;
        }

        return ms is > 0 and < 253402300799999 ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null;
    }
}
