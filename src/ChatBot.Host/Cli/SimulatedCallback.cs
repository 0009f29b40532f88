using System.Globalization;
using System.Security;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ChatBot.DingTalk.Signing;
using ChatBot.WeCom.Crypto;

namespace ChatBot.Host.Cli;

/// <summary>
/// Builds a correctly signed and encrypted callback exactly as the platform would send it. Used by the
/// <c>simulate</c> verb, the integration tests and the benchmarks, so all three speak the real wire format.
/// </summary>
public sealed record SimulatedCallback(string PathAndQuery, byte[] Body, string ContentType, IReadOnlyDictionary<string, string> Headers)
{
    public static SimulatedCallback WeComAiBot(string token, string aesKey, string msgId, string userId, string text,
        string? groupChatId, DateTimeOffset now, string responseUrl = "https://qyapi.weixin.qq.com/cgi-bin/aibot/response?response_code=demo", string mention = "@ChatBot ")
    {
        var inner = JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["msgid"] = msgId,
            ["aibotid"] = "aibotdemo",
            ["chatid"] = groupChatId,
            ["chattype"] = groupChatId is null ? "single" : "group",
            ["from"] = new Dictionary<string, string> { ["userid"] = userId },
            ["response_url"] = responseUrl,
            ["msgtype"] = "text",
            ["text"] = new Dictionary<string, string> { ["content"] = groupChatId is null ? text : mention + text },
        });
        return WeComAiBotRaw(token, aesKey, inner, now);
    }

    /// <summary>Any decrypted AI-bot JSON, encrypted and signed (events, stream refreshes, malformed inner JSON).</summary>
    public static SimulatedCallback WeComAiBotRaw(string token, string aesKey, string innerJson, DateTimeOffset now)
    {
        var crypto = new WeComCallbackCrypto(token, aesKey, receiveId: "");
        var encrypt = crypto.Encrypt(innerJson);
        var body = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, string> { ["encrypt"] = encrypt });
        return new SimulatedCallback(WeComQuery("/wecom/aibot/callback", crypto, encrypt, now), body, "application/json", new Dictionary<string, string>());
    }

    public static SimulatedCallback WeComApp(string token, string aesKey, string corpId, int agentId, string msgId, string userId, string text, DateTimeOffset now)
    {
        var created = now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var inner = $"<xml><ToUserName><![CDATA[{corpId}]]></ToUserName><FromUserName><![CDATA[{userId}]]></FromUserName>"
            + $"<CreateTime>{created}</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[{text.Replace("]]>", "]]]]><![CDATA[>", StringComparison.Ordinal)}]]></Content>"
            + $"<MsgId>{msgId}</MsgId><AgentID>{agentId}</AgentID></xml>";
        return WeComAppRaw(token, aesKey, corpId, agentId, inner, now);
    }

    public static SimulatedCallback WeComAppRaw(string token, string aesKey, string corpId, int agentId, string innerXml, DateTimeOffset now)
    {
        var crypto = new WeComCallbackCrypto(token, aesKey, corpId);
        var encrypt = crypto.Encrypt(innerXml);
        var body = Encoding.UTF8.GetBytes($"<xml><ToUserName><![CDATA[{SecurityElement.Escape(corpId)}]]></ToUserName><AgentID><![CDATA[{agentId}]]></AgentID><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>");
        return new SimulatedCallback(WeComQuery("/wecom/app/callback", crypto, encrypt, now), body, "application/xml", new Dictionary<string, string>());
    }

    public static SimulatedCallback DingTalk(string clientSecret, string msgId, string userId, string text, string? groupConversationId, DateTimeOffset now,
        string sessionWebhook = "https://oapi.dingtalk.com/robot/sendBySession?session=demo", string robotCode = "dingdemoapp") =>
        DingTalkRaw(clientSecret, DingTalkBody(msgId, userId, text, groupConversationId, now, sessionWebhook, robotCode), now);

    /// <summary>A robot message as DingTalk sends it, by HTTP callback or inside a Stream push's data (dingtalk.md §1).</summary>
    public static byte[] DingTalkBody(string msgId, string userId, string text, string? groupConversationId, DateTimeOffset now,
        string sessionWebhook = "https://oapi.dingtalk.com/robot/sendBySession?session=demo", string robotCode = "dingdemoapp")
    {
        var created = now.ToUnixTimeMilliseconds();
        return JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object?>
        {
            ["msgId"] = msgId,
            ["msgtype"] = "text",
            ["text"] = new Dictionary<string, string> { ["content"] = " " + text },
            ["conversationType"] = groupConversationId is null ? "1" : "2",
            ["conversationId"] = groupConversationId ?? "cid" + userId,
            ["senderStaffId"] = userId,
            ["senderId"] = "$:LWCP_v1:$" + userId,
            ["senderNick"] = userId,
            ["chatbotUserId"] = "$:LWCP_v1:$bot",
            ["robotCode"] = robotCode,
            ["sessionWebhook"] = sessionWebhook,
            ["sessionWebhookExpiredTime"] = created + 5_400_000,
            ["createAt"] = created,
            ["isInAtList"] = true,
        });
    }

    public static SimulatedCallback DingTalkRaw(string clientSecret, byte[] body, DateTimeOffset now)
    {
        var timestamp = now.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
        var headers = new Dictionary<string, string> { ["timestamp"] = timestamp, ["sign"] = new DingTalkSignature(clientSecret).Compute(timestamp) };
        return new SimulatedCallback("/dingtalk/callback", body, "application/json; charset=utf-8", headers);
    }

    public HttpRequestMessage ToRequest(Uri baseUrl)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(baseUrl, PathAndQuery)) { Content = new ByteArrayContent(Body) };
        request.Content.Headers.TryAddWithoutValidation("Content-Type", ContentType);
        foreach (var (name, value) in Headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return request;
    }

    private static string WeComQuery(string path, WeComCallbackCrypto crypto, string encrypt, DateTimeOffset now)
    {
        var timestamp = now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var nonce = RandomNumberGenerator.GetInt32(100_000_000, int.MaxValue).ToString(CultureInfo.InvariantCulture);
        return $"{path}?msg_signature={crypto.Sign(timestamp, nonce, encrypt)}&timestamp={timestamp}&nonce={nonce}";
    }
}
