using System.Net;
using ChatBot.Host.Cli;
using ChatBot.Inference;
using ChatBot.IntegrationTests.Fakes;
using ChatBot.IntegrationTests.Infrastructure;
using ChatBot.IntegrationTests.Pipeline;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace ChatBot.IntegrationTests.EndToEnd;

/// <summary>
/// What a send's outcome does to the job, against fake platforms: a failed send retries only the delivery of the
/// kept answer (one inference), an unknown outcome is resent only where the platform drops repeats, a permanent
/// error settles at once, and redirects are never followed.
/// </summary>
public sealed class DeliveryOutcomeTests : IAsyncLifetime
{
    private readonly FakeWeCom _wecom = new(ChatBotApp.CorpId, "test-app-secret", ChatBotApp.AgentId);
    private readonly FakeDingTalk _dingtalk = new(ChatBotApp.DingTalkClientId, ChatBotApp.DingTalkSecret);
    private readonly CountingChatClient.Counter _inferences = new();
    private ChatBotApp _app = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        await _wecom.StartAsync();
        await _dingtalk.StartAsync();
        _app = new ChatBotApp()
            .With("WeCom:ApiBaseUrl", _wecom.BaseUrl.ToString())
            .With("WeCom:AllowedReplyHosts:0", "127.0.0.1")
            .With("DingTalk:ApiBaseUrl", _dingtalk.BaseUrl.ToString())
            .With("DingTalk:AllowedReplyHosts:0", "127.0.0.1")
            .With("Queue:RetryDelaySeconds:0", "1")
            .With("WeCom:AiBot:StreamPickupTimeout", "00:00:01")
            .With("Inference:WarmUp", "false")
            .WithServices(services => services.AddSingleton<IChatClient>(provider =>
                new CountingChatClient(provider.GetRequiredService<LocalInference>().Client, _inferences)));
        _app.WriteQuotas("""{ "timeZone": "Asia/Shanghai", "dailyLimit": 50, "users": { "gone": 2, "gone-dd": 1 } }""");
        _client = _app.Start();
    }

    public async Task DisposeAsync()
    {
        _app.Dispose();
        await _wecom.DisposeAsync();
        await _dingtalk.DisposeAsync();
    }

    private SimulatedCallback DingTalk(string msgId, string text, string? group = null, string user = "wangwu") =>
        SimulatedCallback.DingTalk(ChatBotApp.DingTalkSecret, msgId, user, text, group, DateTimeOffset.UtcNow, _dingtalk.Webhook("s-" + msgId),
            robotCode: ChatBotApp.DingTalkClientId);

    private int LogCount(int eventId) => _app.Logs.Lines.Count(l => l.EventId == eventId);

    [Fact]
    public async Task A_send_that_fails_past_the_http_retries_retries_only_the_delivery_of_the_same_answer()
    {
        await _client.PostAsync(PlatformCallbacks.App("7001", "warm the token", user: "once"));
        await QuotaIntakeTests.WaitUntil(() => _wecom.AppMessages.Count == 1, 30);
        var inferencesBefore = _inferences.Value;

        // Four 500s: the HTTP pipeline's three retries are used up, so the job itself fails and is retried.
        _wecom.Inject(Fault.Http(500), Fault.Http(500), Fault.Http(500), Fault.Http(500));
        await _client.PostAsync(PlatformCallbacks.App("7002", "hello", user: "once"));
        await QuotaIntakeTests.WaitUntil(() => _wecom.AppMessages.Count == 2, 60);

        Assert.Equal(1, _inferences.Value - inferencesBefore);
        Assert.Equal(1, LogCount(1202)); // one job retry
        Assert.Equal(1, LogCount(1209)); // which re-sent the kept answer
    }

    [Fact]
    public async Task A_wecom_app_send_whose_answer_was_lost_is_resent_and_dropped_by_the_duplicate_check()
    {
        await _client.PostAsync(PlatformCallbacks.App("7101", "warm the token", user: "twice"));
        await QuotaIntakeTests.WaitUntil(() => _wecom.AppMessages.Count == 1, 30);

        // Delivered, then the connection dies: four times, so the job retries with the outcome unknown.
        _wecom.Inject(Fault.DeliveredThenDropped, Fault.DeliveredThenDropped, Fault.DeliveredThenDropped, Fault.DeliveredThenDropped);
        await _client.PostAsync(PlatformCallbacks.App("7102", "hello", user: "twice"));
        await QuotaIntakeTests.WaitUntil(() => LogCount(1200) >= 2, 60);

        Assert.Equal(2, _wecom.AppMessages.Count); // the user saw the answer once
        Assert.True(_wecom.DuplicatesDropped >= 1, "the resend carried the same text, so WeCom's duplicate check dropped it");
    }

    private const string FollowUp = "上面的回答可能没有完整送达";

    private IEnumerable<string> AuditOutcomes(string msgId) => _app.AuditLines
        .Where(l => l.Contains("\"event\":\"answer\"", StringComparison.Ordinal) && l.Contains(ChatBot.Core.Privacy.LogId.Hash(msgId), StringComparison.Ordinal))
        .Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement.GetProperty("outcome").GetString()!);

    public static TheoryData<string, bool> UnknownWebhookFaults => new()
    {
        { "delivered-then-dropped", true },
        { "timeout", true },
        { "500-without-body", true },
        { "503-with-dingtalk-error-body", false },
    };

    [Theory]
    [MemberData(nameof(UnknownWebhookFaults))]
    public async Task A_dingtalk_webhook_send_whose_outcome_is_unknown_is_never_answered_and_the_asker_is_told_through_the_openapi(string fault, bool unknown)
    {
        _dingtalk.Inject(fault switch
        {
            "delivered-then-dropped" => Fault.DeliveredThenDropped,
            "timeout" => Fault.Delay(9_000), // over the 8 s a send attempt may take
            "500-without-body" => Fault.Http(500),
            _ => new Fault(FaultKind.Status, 503, """{"errcode":-1,"errmsg":"系统繁忙"}"""),
        });
        var id = "d-unknown-" + fault;
        await _client.PostAsync(DingTalk(id, "hello", group: "cidGroupU"));

        await QuotaIntakeTests.WaitUntil(() => AuditOutcomes(id).Any(), 60);
        await Task.Delay(1500);
        Assert.Equal(1, _inferences.Value);
        if (unknown)
        {
            // Not sent twice, never recorded as answered, and the asker told on the OpenAPI.
            Assert.Equal(["unknown"], AuditOutcomes(id));
            Assert.Equal(1, LogCount(1216));
            Assert.Single(_dingtalk.GroupMessages, m => m.Content.StartsWith(FollowUp, StringComparison.Ordinal));
            // DingTalk took the part where it answered late or the connection died after writing; not where it failed.
            // The late one records it when its 9 s delay ends, which a loaded machine can put after the audit line.
            var taken = fault == "500-without-body" ? 0 : 1;
            await QuotaIntakeTests.WaitUntil(() => _dingtalk.WebhookMessages.Count >= taken, 15);
            Assert.Equal(taken, _dingtalk.WebhookMessages.Count);
        }
        else
        {
            // DingTalk's own error body says it refused the send (-1, busy): not delivered, so the retry sends the answer.
            Assert.Equal(["answered"], AuditOutcomes(id));
            Assert.Single(_dingtalk.WebhookMessages);
            Assert.Empty(_dingtalk.GroupMessages);
            Assert.Equal(0, LogCount(1216));
        }
    }

    [Fact]
    public async Task A_dingtalk_direct_openapi_send_whose_outcome_is_unknown_is_followed_up_once()
    {
        // No usable webhook (not on the allow-list): the answer goes through batchSend, whose connection dies after DingTalk took it.
        _dingtalk.Inject(Fault.Delay(0), Fault.DeliveredThenDropped);
        await _client.PostAsync(SimulatedCallback.DingTalk(ChatBotApp.DingTalkSecret, "dd-unknown", "staff-u", "hello", null, DateTimeOffset.UtcNow,
            "https://not-allowed.example/robot/sendBySession?session=x", robotCode: ChatBotApp.DingTalkClientId));

        await QuotaIntakeTests.WaitUntil(() => AuditOutcomes("dd-unknown").Any(), 60);
        await Task.Delay(1500);
        Assert.Equal(["unknown"], AuditOutcomes("dd-unknown"));
        Assert.Equal(2, _dingtalk.DirectMessages.Count(m => m.User == "staff-u")); // the answer (taken, reply lost), then the follow-up
        Assert.StartsWith(FollowUp, _dingtalk.DirectMessages.Last().Content, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("delivered-then-dropped", true, 1)]
    [InlineData("500-without-body", true, 0)]
    [InlineData("500-with-wecom-error-body", false, 1)]
    public async Task A_one_shot_response_url_is_called_once_and_an_unknown_outcome_is_recorded_as_unknown(string fault, bool unknown, int shown)
    {
        _wecom.Inject(fault switch
        {
            "delivered-then-dropped" => Fault.DeliveredThenDropped,
            "500-without-body" => Fault.Http(500),
            _ => new Fault(FaultKind.Status, 500, """{"errcode":40008,"errmsg":"invalid message type"}"""),
        });
        var id = "ai-lost-" + fault;
        var callback = SimulatedCallback.WeComAiBot(ChatBotApp.AiBotToken, ChatBotApp.AiBotKey, id, "zhangsan", "你好", null, DateTimeOffset.UtcNow,
            _wecom.ResponseUrl("rc-" + id));
        await _client.PostAsync(callback);

        await QuotaIntakeTests.WaitUntil(() => AuditOutcomes(id).Any(), 60);
        // A failure is audited before its text is sent (AnswerSettlement.SettleFailedAsync): wait for what is expected,
        // then a moment more for anything that should not come (under load the text took longer than 1.5 s once).
        await QuotaIntakeTests.WaitUntil(() => _wecom.AiBotResponses.Count >= shown, 30);
        await Task.Delay(1500);
        Assert.Equal(1, _inferences.Value);
        // After an unknown outcome the URL is not called again. WeCom's own error body says it refused the call: a
        // permanent error, settled at once, and the URL it did not spend carries the failure text.
        Assert.Equal(shown, _wecom.AiBotResponses.Count);
        Assert.Equal(unknown ? 0 : 1, _wecom.AiBotResponses.Count(r => r.Markdown.StartsWith("抱歉，系统暂时无法回答", StringComparison.Ordinal)));
        Assert.Equal([unknown ? "unknown" : "failed"], AuditOutcomes(id));
        Assert.Equal(unknown ? 1 : 0, LogCount(1216));
    }

    [Theory]
    [InlineData("wecom", """{"errcode":81013,"errmsg":"user & party & tag all invalid"}""")]
    [InlineData("wecom", """{"errcode":40003,"errmsg":"invalid userid"}""")]
    [InlineData("dingtalk", null)]
    public async Task A_permanent_error_settles_at_once_refunds_and_records_the_code(string platform, string? error)
    {
        if (platform == "wecom")
        {
            await _client.PostAsync(PlatformCallbacks.App("7201", "warm the token", user: "gone"));
            await QuotaIntakeTests.WaitUntil(() => _wecom.AppMessages.Count == 1, 30);
            _wecom.Inject(Fault.Json(error!), Fault.Json(error!));
            await _client.PostAsync(PlatformCallbacks.App("7202", "hello", user: "gone"));
        }
        else
        {
            // No usable webhook (not on the allow-list), a 1:1 chat: the token call passes, then the OpenAPI batchSend answers
            // 200 but lists the user as not served — for the answer and for the failure notice.
            const string invalid = """{"processQueryKey":"k","invalidStaffIdList":["gone-dd"],"flowControlledStaffIdList":[]}""";
            _dingtalk.Inject(Fault.Delay(0), Fault.Json(invalid), Fault.Json(invalid));
            await _client.PostAsync(SimulatedCallback.DingTalk(ChatBotApp.DingTalkSecret, "dd-gone", "gone-dd", "hello", null, DateTimeOffset.UtcNow,
                "https://not-allowed.example/robot/sendBySession?session=x", robotCode: ChatBotApp.DingTalkClientId));
        }

        await QuotaIntakeTests.WaitUntil(() => LogCount(1208) == 1, 30);
        await Task.Delay(1500);
        Assert.Equal(0, LogCount(1202)); // never retried
        Assert.Equal(platform == "wecom" ? 2 : 1, _inferences.Value);
        Assert.Contains(_app.Logs.Lines, l => l.EventId == 1208 && l.Line.Contains(platform == "wecom" ? error![11..16] : "invalidStaffIdList", StringComparison.Ordinal));
        // Refunded: the user's last question of the day (limit 2 with the warm-up, 1 on DingTalk) is still there.
        var quota = _app.Services.GetRequiredService<ChatBot.Core.Quotas.QuotaGate>();
        var user = platform == "wecom" ? "gone" : "gone-dd";
        var probe = new ChatBot.Core.Messages.InboundMessage(platform == "wecom" ? ChatBot.Core.Messages.Platform.WeCom : ChatBot.Core.Messages.Platform.DingTalk,
            "b", ChatBot.Core.Messages.ChatKind.Direct, user, user, null, "q", "probe", new ChatBot.WeCom.WeComAppRoute(1, user), DateTimeOffset.UtcNow);
        Assert.True((await quota.ChargeAsync(probe, CancellationToken.None)).Allowed, "the failed question's charge was refunded");
        Assert.False((await quota.ChargeAsync(probe with { MessageId = "probe-2" }, CancellationToken.None)).Allowed);
    }

    [Fact]
    public async Task The_dingtalk_token_call_is_retried_after_a_dropped_connection_within_the_same_attempt()
    {
        // The webhook answers 300001 (expired), then the token call's connection drops once.
        _dingtalk.ExpireSession("s-tok");
        _dingtalk.Inject(Fault.Delay(0), Fault.DropConnection);
        await _client.PostAsync(SimulatedCallback.DingTalk(ChatBotApp.DingTalkSecret, "tok", "wangwu", "hello", "cidGroupT", DateTimeOffset.UtcNow,
            _dingtalk.Webhook("s-tok"), robotCode: ChatBotApp.DingTalkClientId));

        await QuotaIntakeTests.WaitUntil(() => !_dingtalk.GroupMessages.IsEmpty, 60);
        Assert.Equal(0, LogCount(1202));
    }

    [Fact]
    public async Task A_reply_host_that_redirects_to_loopback_is_not_followed()
    {
        var stolen = 0;
        await using var target = await LoopbackServer.StartAsync(app => ((IApplicationBuilder)app).Run((RequestDelegate)(context => { Interlocked.Increment(ref stolen); return Task.CompletedTask; })));
        await using var redirector = await LoopbackServer.StartAsync(app => ((IApplicationBuilder)app).Run((RequestDelegate)(context =>
        {
            context.Response.StatusCode = StatusCodes.Status307TemporaryRedirect;
            context.Response.Headers.Location = new Uri(target.Url, "/steal").ToString();
            return Task.CompletedTask;
        })));
        var callback = SimulatedCallback.DingTalk(ChatBotApp.DingTalkSecret, "redir", "wangwu", "hello", "cidGroupR", DateTimeOffset.UtcNow,
            new Uri(redirector.Url, "/robot/sendBySession?session=x").ToString(), robotCode: ChatBotApp.DingTalkClientId);

        await _client.PostAsync(callback);
        await QuotaIntakeTests.WaitUntil(() => LogCount(1208) + LogCount(1202) >= 1, 30);
        await Task.Delay(1000);

        Assert.Equal(0, stolen);
    }
}
