using System.Text.Json.Serialization;
using ChatBot.Core.PlatformApi;

namespace ChatBot.WeCom.Callbacks;

// The decrypted AI-bot callback as WeCom writes it (wecom.md §2), the fields this bot reads. A part the bot reads
// by its type (from, stream, event, the ids it passes on) must have it or the body is malformed (a JSON exception,
// answered 400); parts that depend on msgtype are read tolerantly (Typed) and judged by WeComAiBotMessage.

/// <summary>The callback as it arrives: <c>{"encrypt": "…"}</c>, the message inside it (wecom.md §2).</summary>
internal sealed record EncryptedCallbackJson([property: JsonConverter(typeof(StringOrAbsent))] string? Encrypt);

internal sealed record AiBotCallbackJson(
    [property: JsonConverter(typeof(StringOrAbsent))] string? Msgid,
    [property: JsonConverter(typeof(StringOrAbsent))] string? Msgtype,
    string? Aibotid,
    string? Chatid,
    [property: JsonConverter(typeof(StringOrAbsent))] string? Chattype,
    AiBotFrom? From,
    [property: JsonPropertyName("response_url")] string? ResponseUrl,
    AiBotStreamRef? Stream,
    AiBotEvent? Event,
    Typed<AiBotText> Text,
    Typed<AiBotText> Voice,
    Typed<AiBotMixed> Mixed);

internal sealed record AiBotFrom([property: JsonConverter(typeof(StringOrAbsent))] string? Userid);

internal sealed record AiBotStreamRef([property: JsonConverter(typeof(StringOrAbsent))] string? Id);

internal sealed record AiBotEvent([property: JsonConverter(typeof(StringOrAbsent))] string? Eventtype);

/// <summary><c>text</c>, and <c>voice</c> as WeCom transcribed it.</summary>
internal sealed record AiBotText([property: JsonConverter(typeof(StringOrAbsent))] string? Content);

/// <summary>图文混排: text and image items in order.</summary>
internal sealed record AiBotMixed([property: JsonPropertyName("msg_item")] Typed<Typed<AiBotMixedItem>[]> MsgItem);

internal sealed record AiBotMixedItem([property: JsonConverter(typeof(StringOrAbsent))] string? Msgtype, Typed<AiBotText> Text);

/// <summary>The reader's generated code: names as WeCom writes them (lower case, matched exactly), 16 levels deep at most.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, MaxDepth = 16)]
[JsonSerializable(typeof(EncryptedCallbackJson))]
[JsonSerializable(typeof(AiBotCallbackJson))]
[JsonSerializable(typeof(AiBotText))]
[JsonSerializable(typeof(AiBotMixed))]
[JsonSerializable(typeof(Typed<AiBotMixedItem>[]))]
[JsonSerializable(typeof(AiBotMixedItem))]
internal sealed partial class AiBotCallbackContext : JsonSerializerContext;

/// <summary>
/// A long-connection frame (stream-modes.md §2.2): a callback or event pushed to the bot (<c>cmd</c> set), or the
/// answer to one of the bot's own commands under its req_id (<c>errcode</c>). The body stays JSON: a callback is read
/// from it as over HTTP.
/// </summary>
internal sealed record AiBotFrameJson(
    [property: JsonConverter(typeof(StringOrAbsent))] string? Cmd,
    Typed<AiBotFrameHeaders> Headers,
    System.Text.Json.JsonElement Body,
    System.Text.Json.JsonElement Errcode);

/// <summary>A frame's headers, read and written: the req_id pairs a command with its answer.</summary>
internal sealed record AiBotFrameHeaders([property: JsonPropertyName("req_id"), JsonConverter(typeof(StringOrAbsent))] string? ReqId);

/// <summary>Only the event of a frame's body: a kick is seen even if the rest of the body is not a callback.</summary>
internal sealed record AiBotFrameEvent(Typed<AiBotEvent> Event);

/// <summary>The frames' generated code: the frame as it comes (the callback in its body is read with <see cref="AiBotCallbackContext"/>).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(AiBotFrameJson))]
[JsonSerializable(typeof(AiBotFrameHeaders))]
[JsonSerializable(typeof(AiBotFrameEvent))]
[JsonSerializable(typeof(AiBotEvent))]
internal sealed partial class AiBotFrameContext : JsonSerializerContext;
