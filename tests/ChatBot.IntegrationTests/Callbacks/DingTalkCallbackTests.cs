using System.Net;
using System.Text;
using ChatBot.Core.Messages;
using ChatBot.DingTalk;
using ChatBot.Host.Cli;
using ChatBot.IntegrationTests.Infrastructure;

namespace ChatBot.IntegrationTests.Callbacks;

public sealed class DingTalkCallbackTests : IDisposable
{
    private readonly ChatBotApp _app = new ChatBotApp().WithRecordingQueue();
    private readonly HttpClient _client;

    public DingTalkCallbackTests() => _client = _app.Start();

    public void Dispose() => _app.Dispose();

    [Fact]
    public async Task Takes_in_a_direct_message_and_answers_empty()
    {
        var response = await _client.PostAsync(PlatformCallbacks.DingTalk("msgDM1", "报销流程是什么？"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("""{"msgtype":"empty"}""", await response.Content.ReadAsStringAsync());
        var (message, _) = Assert.Single(_app.Queue!.Queued);
        Assert.Equal(Platform.DingTalk, message.Platform);
        Assert.Equal(ChatKind.Direct, message.ChatKind);
        Assert.Equal("wangwu", message.SenderId);
        Assert.Equal("报销流程是什么？", message.Text);
        var route = Assert.IsType<DingTalkRoute>(message.Route);
        Assert.Equal("wangwu", route.SenderStaffId);
        Assert.NotNull(route.SessionWebhookExpiresAt);
    }

    [Fact]
    public async Task Takes_in_a_group_mention()
    {
        var response = await _client.PostAsync(PlatformCallbacks.DingTalk("msgG1", "hello", group: "cidGroup123=="));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var (message, _) = Assert.Single(_app.Queue!.Queued);
        Assert.Equal(ChatKind.Group, message.ChatKind);
        Assert.Equal("cidGroup123==", message.ChatId);
        Assert.Equal("hello", message.Text);
    }

    [Fact]
    public async Task A_callback_delivered_three_times_is_taken_in_once()
    {
        var callback = PlatformCallbacks.DingTalk("msgRetry", "again");
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await _client.PostAsync(callback)).StatusCode);
        }

        Assert.Single(_app.Queue!.Queued);
    }

    [Fact]
    public async Task A_captured_header_pair_serves_only_the_message_it_signed()
    {
        // DingTalk signs the timestamp only: two bodies under one timestamp carry the same headers.
        var now = DateTimeOffset.UtcNow;
        var genuine = PlatformCallbacks.DingTalk("msgGenuine", "hello", user: "alice", now: now);
        var forged = PlatformCallbacks.DingTalk("msgForged", "post this into the group", user: "victim", group: "cidChosenGroup", now: now);
        Assert.Equal(genuine.Headers["sign"], forged.Headers["sign"]);

        Assert.Equal(HttpStatusCode.OK, (await _client.PostAsync(genuine)).StatusCode);
        var replayed = await _client.PostAsync(forged);
        Assert.Equal(HttpStatusCode.OK, (await _client.PostAsync(genuine)).StatusCode); // a redelivery of the genuine one

        Assert.Equal(HttpStatusCode.ServiceUnavailable, replayed.StatusCode);
        Assert.Contains("signature_replayed", await replayed.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal("msgGenuine", Assert.Single(_app.Queue!.Queued).Message.MessageId);
    }

    [Fact]
    public async Task A_body_addressed_to_another_robot_is_refused()
    {
        var callback = SimulatedCallback.DingTalk(ChatBotApp.DingTalkSecret, "msgOther", "alice", "hi", null, DateTimeOffset.UtcNow, robotCode: "dingsomeoneelse");

        var response = await _client.PostAsync(callback);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("wrong_recipient", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Empty(_app.Queue!.Queued);
    }

    [Fact]
    public async Task A_body_without_robot_code_is_bound_to_the_configured_robot_not_left_unchecked()
    {
        var body = System.Text.Json.Nodes.JsonNode.Parse(SimulatedCallback.DingTalkBody("msgNoRobot", "alice", "hi", null, DateTimeOffset.UtcNow))!.AsObject();
        Assert.True(body.Remove("robotCode"));

        var response = await _client.PostAsync(SimulatedCallback.DingTalkRaw(ChatBotApp.DingTalkSecret, System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(body), DateTimeOffset.UtcNow));

        // Answered as this bot and only as this bot: the reply goes out under the configured robot code.
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var route = Assert.IsType<DingTalkRoute>(Assert.Single(_app.Queue!.Queued).Message.Route);
        Assert.Equal(ChatBotApp.DingTalkClientId, route.RobotCode);
    }

    [Theory]
    [InlineData("""{"msgId":"q1","errorCode":20001,"errorMessage":"quota","conversationType":"1","conversationId":"cid1","senderStaffId":"u"}""")]
    [InlineData("""{"msgId":"k1","msgtype":"unknownMsgType","conversationType":"1","conversationId":"cid1","senderStaffId":"u"}""")]
    public async Task Acknowledges_what_it_cannot_answer_without_queueing(string body)
    {
        var response = await _client.PostAsync(SimulatedCallback.DingTalkRaw(ChatBotApp.DingTalkSecret, Encoding.UTF8.GetBytes(body), DateTimeOffset.UtcNow));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("""{"msgtype":"empty"}""", await response.Content.ReadAsStringAsync());
        Assert.Empty(_app.Queue!.Queued);
    }

    [Theory]
    [InlineData("""{"msgId":"p1","msgtype":"picture","content":{"downloadCode":"x"},"conversationType":"1","conversationId":"cid1","senderStaffId":"u"}""", "TextOnly", "")]
    [InlineData("""{"msgId":"a1","msgtype":"audio","content":{"recognition":"语音"},"conversationType":"1","conversationId":"cid1","senderStaffId":"u"}""", "Inference", "语音")]
    [InlineData("""{"msgId":"a2","msgtype":"audio","content":{"downloadCode":"x"},"conversationType":"1","conversationId":"cid1","senderStaffId":"u"}""", "TextOnly", "")]
    public async Task Voice_is_answered_as_its_recognised_text_and_media_with_the_text_only_reply(string body, string kind, string text)
    {
        var response = await _client.PostAsync(SimulatedCallback.DingTalkRaw(ChatBotApp.DingTalkSecret, Encoding.UTF8.GetBytes(body), DateTimeOffset.UtcNow));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var queued = Assert.Single(_app.Queue!.Queued);
        Assert.Equal(kind, queued.Kind.ToString());
        Assert.Equal(text, queued.Message.Text);
    }

    public static TheoryData<string, Func<SimulatedCallback, SimulatedCallback>, int, string> BadInputs() => new()
    {
        { "no sign", c => c with { Headers = new Dictionary<string, string> { ["timestamp"] = c.Headers["timestamp"] } }, 400, "missing_parameter" },
        { "no timestamp", c => c with { Headers = new Dictionary<string, string> { ["sign"] = c.Headers["sign"] } }, 400, "missing_parameter" },
        { "wrong sign", c => c with { Headers = new Dictionary<string, string> { ["timestamp"] = c.Headers["timestamp"], ["sign"] = "DJrE6qdyVGCQz9z5r2MDuNcNAhwYnuAkyj13cx169CA=" } }, 401, "signature_mismatch" },
        { "url-encoded sign", c => c with { Headers = new Dictionary<string, string> { ["timestamp"] = c.Headers["timestamp"], ["sign"] = Uri.EscapeDataString(c.Headers["sign"]) } }, 401, "signature_mismatch" },
        { "malformed json", c => c with { Body = "{\"msgId\":"u8.ToArray() }, 400, "malformed_body" },
        { "json without msgId", c => c with { Body = "{\"msgtype\":\"text\",\"conversationId\":\"c\"}"u8.ToArray() }, 400, "malformed_body" },
        { "oversized body", c => c with { Body = Encoding.UTF8.GetBytes("{\"x\":\"" + new string('a', 70_000) + "\"}") }, 413, "body_too_large" },
    };

    [Theory]
    [MemberData(nameof(BadInputs))]
    public async Task Rejects_bad_input_precisely_and_queues_nothing(string what, Func<SimulatedCallback, SimulatedCallback> spoil, int status, string code)
    {
        var response = await _client.PostAsync(spoil(PlatformCallbacks.DingTalk("bad-" + what, "hi")));

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Contains(code, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Empty(_app.Queue!.Queued);
    }

    [Theory]
    [InlineData(-6)]
    [InlineData(6)]
    [InlineData(-61)]
    public async Task Rejects_timestamps_outside_the_tolerance(int minutes)
    {
        var response = await _client.PostAsync(PlatformCallbacks.DingTalk("stale", "hi", now: DateTimeOffset.UtcNow.AddMinutes(minutes)));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("stale_timestamp", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Empty(_app.Queue!.Queued);
    }

    [Fact]
    public async Task Accepts_timestamps_inside_the_tolerance()
    {
        var response = await _client.PostAsync(PlatformCallbacks.DingTalk("fresh", "hi", now: DateTimeOffset.UtcNow.AddMinutes(-4)));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Single(_app.Queue!.Queued);
    }
}
