using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using ChatBot.Core.PlatformApi;

namespace ChatBot.DingTalk.Callbacks;

// What DingTalk pushes, as it writes it: the robot's message (dingtalk.md §1) and a Stream gateway frame
// (stream-modes.md §1.3), the fields this bot reads. Nothing here makes a body malformed but broken JSON: a field of
// another type reads as absent (TolerantJson), as the hand-written readers before these did.

/// <summary>The app robot's message, over HTTP or inside a Stream frame's <c>data</c>.</summary>
internal sealed record RobotMessageJson(
    [property: JsonConverter(typeof(StringOrAbsent))] string? MsgId,
    [property: JsonConverter(typeof(StringOrAbsent))] string? ConversationId,
    [property: JsonConverter(typeof(StringOrAbsent))] string? Msgtype,
    JsonElement ErrorCode,
    Typed<RobotText> Text,
    Typed<RobotContent> Content,
    [property: JsonConverter(typeof(StringOrAbsent))] string? ConversationType,
    [property: JsonConverter(typeof(StringOrAbsent))] string? SenderId,
    [property: JsonConverter(typeof(StringOrAbsent))] string? SenderStaffId,
    [property: JsonConverter(typeof(StringOrAbsent))] string? SenderNick,
    [property: JsonConverter(typeof(StringOrAbsent))] string? ChatbotUserId,
    [property: JsonConverter(typeof(StringOrAbsent))] string? RobotCode,
    [property: JsonConverter(typeof(StringOrAbsent))] string? SessionWebhook,
    [property: JsonConverter(typeof(EpochMilliseconds))] DateTimeOffset? SessionWebhookExpiredTime);

internal sealed record RobotText([property: JsonConverter(typeof(StringOrAbsent))] string? Content);

/// <summary><c>content</c>: DingTalk's transcription of a voice message, or a rich text's parts.</summary>
internal sealed record RobotContent([property: JsonConverter(typeof(StringOrAbsent))] string? Recognition, Typed<Typed<RichTextPart>[]> RichText);

internal sealed record RichTextPart([property: JsonConverter(typeof(StringOrAbsent))] string? Text);

/// <summary>A gateway frame; <c>header</c> stands for <c>headers</c> in some of the docs' own samples.</summary>
internal sealed record StreamFrameJson(
    [property: JsonConverter(typeof(StringOrNumber))] string? Type,
    Typed<StreamHeaders> Headers,
    Typed<StreamHeaders> Header,
    [property: JsonConverter(typeof(DataText))] string? Data);

internal sealed record StreamHeaders(
    [property: JsonConverter(typeof(StringOrNumber))] string? Topic,
    [property: JsonConverter(typeof(StringOrNumber))] string? MessageId);

/// <summary>Epoch milliseconds: a number on the wire, a string in the docs; both are read (dingtalk.md §1), a date past 9999 is not.</summary>
internal sealed class EpochMilliseconds : JsonConverter<DateTimeOffset?>
{
    public override bool HandleNull => true;

    public override DateTimeOffset? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        long ms;
        if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var number))
        {
            ms = number;
        }
        else if (reader.TokenType == JsonTokenType.String && long.TryParse(reader.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out var parsed))
        {
            ms = parsed;
        }
        else
        {
            reader.Skip();
            return null;
        }

        return ms is > 0 and < 253402300799999 ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null;
    }

    public override void Write(Utf8JsonWriter writer, DateTimeOffset? value, JsonSerializerOptions options) =>
        throw new NotSupportedException("Read only: the bot never writes a robot message.");
}

/// <summary>A frame's <c>data</c>: JSON inside a string, as documented; anything else kept as the JSON it is.</summary>
internal sealed class DataText : JsonConverter<string?>
{
    public override bool HandleNull => true;

    public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.String)
        {
            return reader.GetString();
        }

        using var value = JsonDocument.ParseValue(ref reader);
        return value.RootElement.GetRawText();
    }

    public override void Write(Utf8JsonWriter writer, string? value, JsonSerializerOptions options) => writer.WriteStringValue(value);
}

/// <summary>The readers' generated code: names as DingTalk writes them (camelCase, matched exactly), 16 levels deep at most.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, MaxDepth = 16)]
[JsonSerializable(typeof(RobotMessageJson))]
[JsonSerializable(typeof(RobotText))]
[JsonSerializable(typeof(RobotContent))]
[JsonSerializable(typeof(Typed<RichTextPart>[]))]
[JsonSerializable(typeof(RichTextPart))]
[JsonSerializable(typeof(StreamFrameJson))]
[JsonSerializable(typeof(StreamHeaders))]
internal sealed partial class DingTalkInboundJson : JsonSerializerContext;
