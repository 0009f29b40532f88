using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace ChatBot.WeCom;

// What the bot sends WeCom (wecom.md §2–§4, stream-modes.md §2), one record per body, serialised by the generated
// WeComJson: names as WeCom writes them (lower case, snake_case where it says so), nulls left out.

internal sealed record ContentOnly(string Content);

/// <summary>The self-built app's <c>message/send</c>: <c>text</c> or <c>markdown</c> by <c>msgtype</c>, the other null.</summary>
internal sealed record AppMessage(
    string Touser,
    string Msgtype,
    int Agentid,
    ContentOnly? Text,
    ContentOnly? Markdown,
    [property: JsonPropertyName("enable_duplicate_check")] int EnableDuplicateCheck,
    [property: JsonPropertyName("duplicate_check_interval")] int DuplicateCheckInterval);

/// <summary>A text or Markdown message of the AI bot (<c>response_url</c>, a welcome): one of the two set.</summary>
internal sealed record BotMessage(string Msgtype, ContentOnly? Text = null, ContentOnly? Markdown = null);

internal sealed record StreamPiece(string Id, bool Finish, string Content);

/// <summary>One refresh of an AI-bot reply stream (passive reply, or <c>aibot_respond_msg</c> on the long connection).</summary>
internal sealed record StreamMessage(string Msgtype, StreamPiece Stream);

/// <summary><c>aibot_send_msg</c>: a message the bot starts in a chat (a stream whose req_id is gone).</summary>
internal sealed record ChatMarkdown(
    string Chatid,
    [property: JsonPropertyName("chat_type")] int ChatType,
    string Msgtype,
    ContentOnly Markdown);

internal sealed record Subscription([property: JsonPropertyName("bot_id")] string BotId, string Secret);

/// <summary>The encrypted passive reply, as the official AI-bot demo sends it.</summary>
internal sealed record EncryptedEnvelope(string Encrypt, string Msgsignature, long Timestamp, string Nonce);

/// <summary>A command on the AI bot's long connection (stream-modes.md §2.2); the body is one of the records above, as JSON.</summary>
internal sealed record AiBotCommand(string Cmd, Callbacks.AiBotFrameHeaders Headers, JsonElement? Body);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(AppMessage))]
[JsonSerializable(typeof(BotMessage))]
[JsonSerializable(typeof(StreamMessage))]
[JsonSerializable(typeof(ChatMarkdown))]
[JsonSerializable(typeof(Subscription))]
[JsonSerializable(typeof(EncryptedEnvelope))]
[JsonSerializable(typeof(AiBotCommand))]
internal sealed partial class WeComJson : JsonSerializerContext
{
    /// <summary>For the AI bot's passive replies: CJK kept as UTF-8 in the encrypted text, as WeCom's demo writes it.</summary>
    public static WeComJson Relaxed { get; } = new(new JsonSerializerOptions(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });
}
