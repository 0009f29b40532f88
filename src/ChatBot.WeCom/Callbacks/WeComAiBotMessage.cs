using System.Text;
using System.Text.Json;
using ChatBot.Core.Messages;

namespace ChatBot.WeCom.Callbacks;

/// <summary>
/// The decrypted AI-bot callback (wecom.md §2): text, mixed and voice (as WeCom transcribed it) carry text; images,
/// files and video are media the bot says it cannot read; stream refreshes and events are handled by the endpoint.
/// </summary>
internal sealed record WeComAiBotMessage(
    string MsgId,
    string AiBotId,
    string? ChatId,
    ChatKind ChatKind,
    string UserId,
    string? ResponseUrl,
    string MsgType,
    string? Text,
    string? StreamId,
    string? EventType)
{
    /// <summary>The stream this message's answer goes on: derived from the message id, so every delivery names the same one.</summary>
    public string AnswerStreamId => "s" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(MsgId)))[..24];

    /// <summary>The message for intake, the same whether it came by callback or over the long connection.</summary>
    /// <param name="botId">The bot as the message names it, or the configured one when it does not.</param>
    /// <summary>What a message with no text to read is (image, file, video, voice without text); null otherwise.</summary>
    public string? Media => Text is not null || MsgType is not ("image" or "file" or "video" or "voice") ? null : MsgType;

    /// <summary>Whether intake has something to answer: text, or media it says it cannot read, from a known user.</summary>
    public bool Answerable => (Text is not null || Media is not null) && !string.IsNullOrEmpty(UserId);

    /// <summary>The first entry into the bot's DM of the day (wecom.md §2): answered with the welcome, within 5 s.</summary>
    public bool EntersChat => MsgType == "event" && EventType == "enter_chat";

    public InboundMessage ToInbound(string botId, string mentionName, bool viaLongConnection, DateTimeOffset receivedAt)
    {
        var group = ChatKind == ChatKind.Group;
        var text = Text ?? "";
        return new InboundMessage(
            Platform.WeCom,
            botId,
            ChatKind,
            group && !string.IsNullOrEmpty(ChatId) ? ChatId : UserId,
            UserId,
            SenderDepartment: null,
            MentionText.Strip(text, mentionName, group),
            MsgId,
            new WeComAiBotRoute(ResponseUrl ?? "", group ? ChatId : null, AnswerStreamId, viaLongConnection),
            receivedAt) { Media = Media };
    }

    /// <returns>The message, or null when the JSON is not an AI-bot callback.</returns>
    public static WeComAiBotMessage? Parse(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 16 });
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            var msgId = String(root, "msgid");
            var msgType = String(root, "msgtype");
            if (string.IsNullOrEmpty(msgId) || string.IsNullOrEmpty(msgType))
            {
                return null;
            }

            if (!Shaped(root, msgType))
            {
                return null;
            }

            var userId = root.TryGetProperty("from", out var from) && from.ValueKind == JsonValueKind.Object ? String(from, "userid") : null;
            var chatKind = String(root, "chattype") == "group" ? ChatKind.Group : ChatKind.Direct;
            return new WeComAiBotMessage(
                msgId,
                String(root, "aibotid") ?? "",
                String(root, "chatid"),
                chatKind,
                userId ?? "",
                String(root, "response_url"),
                msgType,
                TextOf(root, msgType),
                root.TryGetProperty("stream", out var stream) && stream.ValueKind == JsonValueKind.Object ? String(stream, "id") : null,
                root.TryGetProperty("event", out var ev) && ev.ValueKind == JsonValueKind.Object ? String(ev, "eventtype") : null);
        }
        // InvalidOperationException: a string holding a lone surrogate escape (\ud800), which no text can carry.
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>The parts this bot reads have the types the platform documents; anything else is malformed (400), not a crash.</summary>
    private static bool Shaped(JsonElement root, string msgType)
    {
        static bool Is(JsonElement root, string name, JsonValueKind kind) =>
            !root.TryGetProperty(name, out var value) || value.ValueKind == kind || value.ValueKind == JsonValueKind.Null;

        var common = Is(root, "from", JsonValueKind.Object) && Is(root, "aibotid", JsonValueKind.String) && Is(root, "chatid", JsonValueKind.String)
            && Is(root, "response_url", JsonValueKind.String) && Is(root, "stream", JsonValueKind.Object) && Is(root, "event", JsonValueKind.Object);
        return common && msgType switch
        {
            "text" => Is(root, "text", JsonValueKind.Object),
            "mixed" => Is(root, "mixed", JsonValueKind.Object) && MixedItemsShaped(root),
            _ => true,
        };
    }

    private static bool MixedItemsShaped(JsonElement root)
    {
        if (!root.TryGetProperty("mixed", out var mixed) || mixed.ValueKind != JsonValueKind.Object || !mixed.TryGetProperty("msg_item", out var items))
        {
            return true;
        }

        return items.ValueKind == JsonValueKind.Array && items.EnumerateArray().All(item => item.ValueKind == JsonValueKind.Object
            && (String(item, "msgtype") != "text" || (item.TryGetProperty("text", out var text) && text.ValueKind == JsonValueKind.Object)));
    }

    private static string? TextOf(JsonElement root, string msgType)
    {
        switch (msgType)
        {
            case "text":
                return root.TryGetProperty("text", out var text) && text.ValueKind == JsonValueKind.Object ? String(text, "content") : null;
            case "voice":
                // WeCom's own transcription (wecom.md §2: "voice (as text)"): answered as the text it heard.
                return root.TryGetProperty("voice", out var voice) && voice.ValueKind == JsonValueKind.Object && String(voice, "content") is { Length: > 0 } heard
                    ? heard
                    : null;
            case "mixed":
                // 图文混排: keep the text items in order; images are not read by a text model.
                if (!root.TryGetProperty("mixed", out var mixed) || mixed.ValueKind != JsonValueKind.Object
                    || !mixed.TryGetProperty("msg_item", out var items) || items.ValueKind != JsonValueKind.Array)
                {
                    return null;
                }

                var builder = new StringBuilder();
                foreach (var item in items.EnumerateArray())
                {
                    if (item.ValueKind == JsonValueKind.Object && String(item, "msgtype") == "text"
                        && item.TryGetProperty("text", out var part) && part.ValueKind == JsonValueKind.Object && String(part, "content") is { } content)
                    {
                        builder.Append(builder.Length > 0 ? "\n" : "").Append(content);
                    }
                }

                return builder.Length > 0 ? builder.ToString() : null;
            default:
                return null;
        }
    }

    // Every field is checked for its type before it is read: the body is the platform's, but a fuzzer's too.
    private static string? String(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
