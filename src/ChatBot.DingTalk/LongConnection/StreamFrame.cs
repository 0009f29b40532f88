using System.Text.Json;

namespace ChatBot.DingTalk.LongConnection;

/// <summary>Topics this bot subscribes and answers (stream-modes.md §1.1, §1.4).</summary>
internal static class StreamTopics
{
    public const string RobotMessage = "/v1.0/im/bot/messages/get";
    public const string Ping = "ping";
    public const string Disconnect = "disconnect";
}

/// <summary>
/// One frame from the gateway: <c>{"specVersion","type","headers":{…strings…},"data":"&lt;JSON as a string&gt;"}</c>
/// (stream-modes.md §1.3). Parsed tolerantly: header values are strings, but a <c>header</c> key or a missing field
/// in the docs' own samples must not break it.
/// </summary>
internal sealed record StreamFrame(string Type, string Topic, string? MessageId, string Data)
{
    public static StreamFrame? Parse(ReadOnlySpan<byte> json)
    {
        Callbacks.StreamFrameJson? wire;
        try
        {
            wire = JsonSerializer.Deserialize(json, Callbacks.DingTalkInboundJson.Default.StreamFrameJson);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            return null;
        }

        if (wire is null)
        {
            return null;
        }

        var headers = (wire.Headers.Present ? wire.Headers : wire.Header).Value;
        return new StreamFrame(wire.Type ?? "", headers?.Topic ?? "", headers?.MessageId, wire.Data ?? "");
    }

    /// <summary>The acknowledgement the gateway matches by <c>headers.messageId</c> on the same socket (§1.3).</summary>
    public static byte[] Ack(string messageId, string data) => JsonSerializer.SerializeToUtf8Bytes(
        new Api.StreamAck(200, new Dictionary<string, string> { ["messageId"] = messageId, ["contentType"] = "application/json" }, "OK", data),
        Api.DingTalkJson.Default.StreamAck);
}
