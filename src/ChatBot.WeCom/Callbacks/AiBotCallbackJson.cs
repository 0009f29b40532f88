using System.Text.Json.Serialization;
using ChatBot.Core.PlatformApi;

namespace ChatBot.WeCom.Callbacks;

// The decrypted AI-bot callback as WeCom writes it (wecom.md §2), the fields this bot reads. A part the bot reads
// by its type (from, stream, event, the ids it passes on) must have it or the body is malformed (a JSON exception,
// answered 400); parts that depend on msgtype are read tolerantly (Typed) and judged by WeComAiBotMessage.

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
[JsonSerializable(typeof(AiBotCallbackJson))]
[JsonSerializable(typeof(AiBotText))]
[JsonSerializable(typeof(AiBotMixed))]
[JsonSerializable(typeof(Typed<AiBotMixedItem>[]))]
[JsonSerializable(typeof(AiBotMixedItem))]
internal sealed partial class AiBotCallbackContext : JsonSerializerContext;
