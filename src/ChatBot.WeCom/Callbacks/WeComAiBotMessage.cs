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
        AiBotCallbackJson? wire;
        try
        {
            wire = JsonSerializer.Deserialize(json, AiBotCallbackContext.Default.AiBotCallbackJson);
        }
        // InvalidOperationException: a string holding a lone surrogate escape (\ud800), which no text can carry.
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            return null;
        }

        if (wire is null || string.IsNullOrEmpty(wire.Msgid) || string.IsNullOrEmpty(wire.Msgtype) || !Shaped(wire))
        {
            return null;
        }

        return new WeComAiBotMessage(
            wire.Msgid,
            wire.Aibotid ?? "",
            wire.Chatid,
            wire.Chattype == "group" ? ChatKind.Group : ChatKind.Direct,
            wire.From?.Userid ?? "",
            wire.ResponseUrl,
            wire.Msgtype,
            TextOf(wire),
            wire.Stream?.Id,
            wire.Event?.Eventtype);
    }

    /// <summary>The parts a message of this type is read from have the types the platform documents; anything else is malformed (400).</summary>
    private static bool Shaped(AiBotCallbackJson wire) => wire.Msgtype switch
    {
        "text" => !wire.Text.Mistyped,
        // Every item an object, and a text item's text an object; msg_item, when there, a list.
        "mixed" => !wire.Mixed.Mistyped && (wire.Mixed.Value?.MsgItem is not { Present: true } items
            || (items.Value is { } list && list.All(item => item.Value is { } read && (read.Msgtype != "text" || read.Text.Value is not null)))),
        _ => true,
    };

    private static string? TextOf(AiBotCallbackJson wire)
    {
        switch (wire.Msgtype)
        {
            case "text":
                return wire.Text.Value?.Content;
            case "voice":
                // WeCom's own transcription (wecom.md §2: "voice (as text)"): answered as the text it heard.
                return wire.Voice.Value?.Content is { Length: > 0 } heard ? heard : null;
            case "mixed":
                // 图文混排: keep the text items in order; images are not read by a text model.
                var builder = new StringBuilder();
                foreach (var item in wire.Mixed.Value?.MsgItem.Value ?? [])
                {
                    if (item.Value is { Msgtype: "text", Text.Value.Content: { } content })
                    {
                        // An empty first item adds no line of its own.
                        builder.Append(builder.Length > 0 ? "\n" : "").Append(content);
                    }
                }

                var text = builder.ToString();
                return text.Length > 0 ? text : null;
            default:
                return null;
        }
    }
}
