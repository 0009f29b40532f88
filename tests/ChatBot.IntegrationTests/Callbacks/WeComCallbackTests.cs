using System.Globalization;
using System.Net;
using System.Text;
using ChatBot.Core.Messages;
using ChatBot.Host.Cli;
using ChatBot.IntegrationTests.Infrastructure;
using ChatBot.WeCom;
using ChatBot.WeCom.Crypto;

namespace ChatBot.IntegrationTests.Callbacks;

public sealed class WeComCallbackTests : IDisposable
{
    private readonly ChatBotApp _app = new ChatBotApp().WithRecordingQueue();
    private readonly HttpClient _client;

    public WeComCallbackTests() => _client = _app.Start();

    public void Dispose() => _app.Dispose();

    [Theory]
    [InlineData("/wecom/aibot/callback", ChatBotApp.AiBotToken, ChatBotApp.AiBotKey, "")]
    [InlineData("/wecom/app/callback", ChatBotApp.AppToken, ChatBotApp.AppKey, ChatBotApp.CorpId)]
    public async Task Answers_url_verification_with_the_bare_plaintext(string path, string token, string key, string receiveId)
    {
        var crypto = new WeComCallbackCrypto(token, key, receiveId);
        var echostr = crypto.Encrypt("6371892730189274982");
        var timestamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var url = $"{path}?msg_signature={crypto.Sign(timestamp, "42", echostr)}&timestamp={timestamp}&nonce=42&echostr={Uri.EscapeDataString(echostr)}";

        var response = await _client.GetAsync(new Uri(url, UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("6371892730189274982"u8.ToArray(), await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Takes_in_an_ai_bot_direct_message()
    {
        var response = await _client.PostAsync(PlatformCallbacks.AiBot("msg-dm-1", "年假怎么算？"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var (message, _) = Assert.Single(_app.Queue!.Queued);
        Assert.Equal(Platform.WeCom, message.Platform);
        Assert.Equal(ChatKind.Direct, message.ChatKind);
        Assert.Equal("zhangsan", message.SenderId);
        Assert.Equal("zhangsan", message.ChatId);
        Assert.Equal("年假怎么算？", message.Text);
        Assert.Equal("msg-dm-1", message.MessageId);
        var route = Assert.IsType<WeComAiBotRoute>(message.Route);
        Assert.StartsWith("https://qyapi.weixin.qq.com/cgi-bin/aibot/response", route.ResponseUrl, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Takes_in_an_ai_bot_group_mention_without_the_mention()
    {
        var response = await _client.PostAsync(PlatformCallbacks.AiBot("msg-group-1", "hello robot", group: "wrgroup1"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var (message, _) = Assert.Single(_app.Queue!.Queued);
        Assert.Equal(ChatKind.Group, message.ChatKind);
        Assert.Equal("wrgroup1", message.ChatId);
        Assert.Equal("hello robot", message.Text);
    }

    [Fact]
    public async Task Takes_in_an_app_direct_message()
    {
        var response = await _client.PostAsync(PlatformCallbacks.App("4561255354251345929", "你好"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(0, response.Content.Headers.ContentLength ?? 0);
        var (message, _) = Assert.Single(_app.Queue!.Queued);
        Assert.Equal("lisi", message.SenderId);
        Assert.Equal("你好", message.Text);
        Assert.Equal(new WeComAppRoute(ChatBotApp.AgentId, "lisi"), message.Route);
    }

    [Fact]
    public async Task A_callback_delivered_three_times_is_taken_in_once()
    {
        var callback = PlatformCallbacks.AiBot("msg-retried", "重复的消息");
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await _client.PostAsync(callback)).StatusCode);
        }

        var app = PlatformCallbacks.App("1234567890123", "重复的消息");
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await _client.PostAsync(app)).StatusCode);
        }

        Assert.Equal(2, _app.Queue!.Queued.Count);
    }

    [Theory]
    [InlineData("""{"msgid":"e1","aibotid":"b","chattype":"single","from":{"userid":"u"},"msgtype":"event","event":{"eventtype":"enter_chat"}}""")]
    [InlineData("""{"msgid":"f1","aibotid":"b","chattype":"single","from":{"userid":"u"},"msgtype":"event","event":{"eventtype":"feedback_event"}}""")]
    [InlineData("""{"msgid":"s1","aibotid":"b","chattype":"single","from":{"userid":"u"},"msgtype":"stream","stream":{"id":"STREAMID"}}""")]
    public async Task Acknowledges_ai_bot_events_and_refreshes_without_queueing(string inner)
    {
        var response = await _client.PostAsync(SimulatedCallback.WeComAiBotRaw(ChatBotApp.AiBotToken, ChatBotApp.AiBotKey, inner, DateTimeOffset.UtcNow));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(_app.Queue!.Queued);
    }

    [Theory]
    [InlineData("""{"msgid":"i1","aibotid":"b","chattype":"single","from":{"userid":"u1"},"response_url":"https://qyapi.weixin.qq.com/x","msgtype":"image","image":{"url":"https://x"}}""")]
    [InlineData("""{"msgid":"v1","aibotid":"b","chattype":"single","from":{"userid":"u2"},"response_url":"https://qyapi.weixin.qq.com/x","msgtype":"file","file":{"url":"https://x"}}""")]
    public async Task Ai_bot_media_is_answered_with_the_text_only_reply(string inner)
    {
        var response = await _client.PostAsync(SimulatedCallback.WeComAiBotRaw(ChatBotApp.AiBotToken, ChatBotApp.AiBotKey, inner, DateTimeOffset.UtcNow));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(ChatBot.Core.Queue.AnswerKind.TextOnly, Assert.Single(_app.Queue!.Queued).Kind);
    }

    [Fact]
    public async Task Acknowledges_app_events_without_queueing()
    {
        const string inner = "<xml><ToUserName><![CDATA[wwtestcorp]]></ToUserName><FromUserName><![CDATA[lisi]]></FromUserName><CreateTime>1</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[enter_agent]]></Event><AgentID>1000002</AgentID></xml>";
        var response = await _client.PostAsync(SimulatedCallback.WeComAppRaw(ChatBotApp.AppToken, ChatBotApp.AppKey, ChatBotApp.CorpId, ChatBotApp.AgentId, inner, DateTimeOffset.UtcNow));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(_app.Queue!.Queued);
    }

    public static TheoryData<string, Func<SimulatedCallback, SimulatedCallback>, int, string> BadInputs() => new()
    {
        { "no query", c => c with { PathAndQuery = c.PathAndQuery[..c.PathAndQuery.IndexOf('?', StringComparison.Ordinal)] }, 400, "missing_parameter" },
        { "no nonce", c => c with { PathAndQuery = Replace(c.PathAndQuery, "&nonce=", "&x=") }, 400, "missing_parameter" },
        { "wrong signature", c => c with { PathAndQuery = Replace(c.PathAndQuery, "msg_signature=", "msg_signature=0") }, 401, "signature_mismatch" },
        { "signature of other body", c => c with { Body = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(c.Body).Replace("\"encrypt\":\"", "\"encrypt\":\"A", StringComparison.Ordinal)) }, 401, "signature_mismatch" },
        { "malformed json", c => c with { Body = "{\"encrypt\": "u8.ToArray() }, 400, "malformed_body" },
        { "json without encrypt", c => c with { Body = "{\"other\":\"x\"}"u8.ToArray() }, 400, "malformed_body" },
        { "json array", c => c with { Body = "[1,2,3]"u8.ToArray() }, 400, "malformed_body" },
        { "empty body", c => c with { Body = [] }, 400, "malformed_body" },
        { "oversized body", c => c with { Body = Encoding.UTF8.GetBytes("{\"encrypt\":\"" + new string('A', 70_000) + "\"}") }, 413, "body_too_large" },
    };

    [Theory]
    [MemberData(nameof(BadInputs))]
    public async Task Rejects_bad_ai_bot_input_precisely_and_queues_nothing(string what, Func<SimulatedCallback, SimulatedCallback> spoil, int status, string code)
    {
        var response = await _client.PostAsync(spoil(PlatformCallbacks.AiBot("bad-" + what, "hi")));

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Contains(code, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Empty(_app.Queue!.Queued);
        Assert.Contains(_app.Logs.Lines, l => l.EventId == 2001 && l.Line.Contains(code, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Rejects_a_stale_timestamp()
    {
        var response = await _client.PostAsync(PlatformCallbacks.AiBot("stale", "hi", now: DateTimeOffset.UtcNow.AddMinutes(-30)));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("stale_timestamp", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Empty(_app.Queue!.Queued);
    }

    [Fact]
    public async Task Rejects_a_message_encrypted_for_another_receiveid()
    {
        // The classic mistake: an AI-bot key used with the app's corpid, or the reverse (wecom.md §6).
        var crypto = new WeComCallbackCrypto(ChatBotApp.AppToken, ChatBotApp.AppKey, "wwothercorp");
        var encrypt = crypto.Encrypt("<xml><FromUserName>x</FromUserName><MsgType>text</MsgType><Content>c</Content><MsgId>1</MsgId></xml>");
        var timestamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var body = $"<xml><ToUserName><![CDATA[wwothercorp]]></ToUserName><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>";
        var response = await _client.PostAsync(new SimulatedCallback(
            $"/wecom/app/callback?msg_signature={crypto.Sign(timestamp, "1", encrypt)}&timestamp={timestamp}&nonce=1", Encoding.UTF8.GetBytes(body), "application/xml", new Dictionary<string, string>()));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Empty(_app.Queue!.Queued);
    }

    [Theory]
    [InlineData("<!DOCTYPE xml [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]><xml><Encrypt>&xxe;</Encrypt></xml>")]
    [InlineData("<!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;&lol;&lol;\">]><xml><Encrypt>&lol2;</Encrypt></xml>")]
    [InlineData("<xml><Encrypt>unterminated")]
    [InlineData("not xml at all")]
    [InlineData("<xml><ToUserName>x</ToUserName></xml>")]
    public async Task Rejects_malformed_xml_and_dtds_without_resolving_entities(string body)
    {
        var callback = PlatformCallbacks.App("99", "hi") with { Body = Encoding.UTF8.GetBytes(body) };

        var response = await _client.PostAsync(callback);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("malformed_body", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Empty(_app.Queue!.Queued);
    }

    [Fact]
    public async Task Rejects_url_verification_with_a_wrong_signature_or_missing_echostr()
    {
        var crypto = new WeComCallbackCrypto(ChatBotApp.AiBotToken, ChatBotApp.AiBotKey, "");
        var echostr = crypto.Encrypt("123");
        var ts = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);

        var wrong = await _client.GetAsync(new Uri($"/wecom/aibot/callback?msg_signature={new string('0', 40)}&timestamp={ts}&nonce=1&echostr={Uri.EscapeDataString(echostr)}", UriKind.Relative));
        var missing = await _client.GetAsync(new Uri($"/wecom/aibot/callback?msg_signature={crypto.Sign(ts, "1", echostr)}&timestamp={ts}&nonce=1", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
    }

    [Fact]
    public async Task Answers_503_and_keeps_nothing_when_the_queue_is_down_so_the_platform_retries()
    {
        _app.Queue!.Fail = true;
        var callback = PlatformCallbacks.AiBot("msg-outage", "hi");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await _client.PostAsync(callback)).StatusCode);

        _app.Queue.Fail = false;
        Assert.Equal(HttpStatusCode.OK, (await _client.PostAsync(callback)).StatusCode);
        Assert.Single(_app.Queue.Queued);
    }

    [Fact]
    public async Task Logs_metadata_but_never_the_text()
    {
        await _client.PostAsync(PlatformCallbacks.AiBot("msg-log", "SECRET-MARKER-7f3a 工资单"));

        Assert.Single(_app.Queue!.Queued);
        // Identifiers are logged as the same short hash everywhere (Privacy/LogId): correlatable, not a directory of users.
        Assert.Contains(_app.Logs.Lines, l => l.EventId == 1100 && l.Line.Contains("sender=" + ChatBot.Core.Privacy.Pseudonym.Of("zhangsan"), StringComparison.Ordinal));
        Assert.DoesNotContain(_app.Logs.Lines, l => l.Line.Contains("SECRET-MARKER-7f3a", StringComparison.Ordinal) || l.Line.Contains("msg-log", StringComparison.Ordinal)
            || l.Line.Contains("zhangsan", StringComparison.Ordinal));
    }

    private static string Replace(string s, string a, string b) => s.Replace(a, b, StringComparison.Ordinal);
}
