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
        try
        {
            using var document = JsonDocument.Parse(json.ToArray(), new JsonDocumentOptions { MaxDepth = 16 });
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            var headers = root.TryGetProperty("headers", out var h) || root.TryGetProperty("header", out h) ? h : default;
            return new StreamFrame(
                Text(root, "type") ?? "",
                headers.ValueKind == JsonValueKind.Object ? Text(headers, "topic") ?? "" : "",
                headers.ValueKind == JsonValueKind.Object ? Text(headers, "messageId") : null,
                root.TryGetProperty("data", out var data) ? data.ValueKind == JsonValueKind.String ? data.GetString() ?? "" : data.GetRawText() : "");
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>The acknowledgement the gateway matches by <c>headers.messageId</c> on the same socket (§1.3).</summary>
    public static byte[] Ack(string messageId, string data) => JsonSerializer.SerializeToUtf8Bytes(
        new Api.StreamAck(200, new Dictionary<string, string> { ["messageId"] = messageId, ["contentType"] = "application/json" }, "OK", data),
        Api.DingTalkJson.Default.StreamAck);

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) ? value.ValueKind == JsonValueKind.String ? value.GetString() : value.ValueKind == JsonValueKind.Number ? value.GetRawText() : null : null;
}
