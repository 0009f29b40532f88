using System.Net;
using System.Text;
using ChatBot.Core.Messages;
using ChatBot.Core.PlatformApi;
using ChatBot.Core.Replies;
using ChatBot.Host.Cli;
using ChatBot.IntegrationTests.Fakes;
using ChatBot.IntegrationTests.Infrastructure;
using ChatBot.IntegrationTests.Pipeline;
using ChatBot.WeCom;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace ChatBot.IntegrationTests.EndToEnd;

/// <summary>
/// Signed callback in → real inference on the tiny model → reply received by a fake platform server that
/// enforces the real shapes, tokens, limits and error codes; faults injected on the way.
/// </summary>
public sealed class ReplyEndToEndTests : IAsyncLifetime
{
    private readonly FakeWeCom _wecom = new(ChatBotApp.CorpId, "test-app-secret", ChatBotApp.AgentId);
    private readonly FakeDingTalk _dingtalk = new("dingtestapp", ChatBotApp.DingTalkSecret);
    private ChatBotApp _app = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        await _wecom.StartAsync();
        await _dingtalk.StartAsync();
        _app = App();
        _client = _app.Start();
    }

    public async Task DisposeAsync()
    {
        _app.Dispose();
        await _wecom.DisposeAsync();
        await _dingtalk.DisposeAsync();
    }

    private ChatBotApp App(Action<IServiceCollection>? services = null)
    {
        var app = new ChatBotApp()
            .With("WeCom:ApiBaseUrl", _wecom.BaseUrl.ToString())
            .With("WeCom:AllowedReplyHosts:0", "127.0.0.1")
            .With("DingTalk:ApiBaseUrl", _dingtalk.BaseUrl.ToString())
            .With("DingTalk:AllowedReplyHosts:0", "127.0.0.1")
            .With("Queue:RetryDelaySeconds:0", "1")
            .With("WeCom:AiBot:StreamPickupTimeout", "00:00:05");
        return services is null ? app : app.WithServices(services);
    }

    private SimulatedCallback AiBot(string msgId, string text, string? group = null) =>
        SimulatedCallback.WeComAiBot(ChatBotApp.AiBotToken, ChatBotApp.AiBotKey, msgId, "zhangsan", text, group, DateTimeOffset.UtcNow, _wecom.ResponseUrl("rc-" + msgId));

    private SimulatedCallback DingTalk(string msgId, string text, string? group = null, string session = "s1", string user = "wangwu") =>
        SimulatedCallback.DingTalk(ChatBotApp.DingTalkSecret, msgId, user, text, group, DateTimeOffset.UtcNow, _dingtalk.Webhook(session), robotCode: "dingtestapp");

    [Theory]
    [InlineData(null)]
    [InlineData("wrgroup1")]
    public async Task WeCom_ai_bot_streams_the_answer_to_refresh_callbacks(string? group)
    {
        var first = await _client.PostAsync(AiBot("st-" + group, "你好", group));
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var opened = await WeComStreamReplies.Decrypt(first);
        Assert.False(opened.GetProperty("finish").GetBoolean());
        var streamId = opened.GetProperty("id").GetString()!;

        // Play WeCom: refresh callbacks (each with a new msgid) until finish, as the AI bot does for up to 6 minutes.
        var contents = new List<string>();
        for (var i = 0; i < 200; i++)
        {
            var refresh = $$$"""{"msgid":"refresh-{{{group}}}-{{{i}}}","aibotid":"aibotdemo","chattype":"single","from":{"userid":"zhangsan"},"msgtype":"stream","stream":{"id":"{{{streamId}}}"}}""";
            var reply = await WeComStreamReplies.Decrypt(await _client.PostAsync(SimulatedCallback.WeComAiBotRaw(ChatBotApp.AiBotToken, ChatBotApp.AiBotKey, refresh, DateTimeOffset.UtcNow)));
            Assert.Equal(streamId, reply.GetProperty("id").GetString());
            contents.Add(reply.GetProperty("content").GetString()!);
            if (reply.GetProperty("finish").GetBoolean())
            {
                break;
            }

            await Task.Delay(100);
        }

        Assert.False(string.IsNullOrEmpty(contents[^1]), "the finished stream carries the answer");
        Assert.All(contents.Zip(contents.Skip(1)), pair => Assert.StartsWith(pair.First, pair.Second, StringComparison.Ordinal));
        await Task.Delay(3000);
        Assert.Empty(_wecom.AiBotResponses);
    }

    [Fact]
    public async Task A_redelivered_ai_bot_callback_opens_the_same_stream()
    {
        var callback = AiBot("st-dup", "hi");
        var a = await WeComStreamReplies.Decrypt(await _client.PostAsync(callback));
        var b = await WeComStreamReplies.Decrypt(await _client.PostAsync(callback));
        Assert.Equal(a.GetProperty("id").GetString(), b.GetProperty("id").GetString());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("wrgroup1")]
    public async Task WeCom_ai_bot_falls_back_to_the_response_url_when_no_refresh_comes(string? group)
    {
        Assert.Equal(HttpStatusCode.OK, (await _client.PostAsync(AiBot("ai-" + group, "你好", group))).StatusCode);

        await QuotaIntakeTests.WaitUntil(() => !_wecom.AiBotResponses.IsEmpty, 30);
        var (code, markdown) = Assert.Single(_wecom.AiBotResponses);
        Assert.Equal("rc-ai-" + group, code);
        Assert.False(string.IsNullOrEmpty(markdown));
    }

    [Fact]
    public async Task WeCom_app_answers_through_message_send_with_a_token()
    {
        await _client.PostAsync(PlatformCallbacks.App("5001", "年假怎么算？", user: "lisi"));

        await QuotaIntakeTests.WaitUntil(() => !_wecom.AppMessages.IsEmpty, 30);
        Assert.Equal("lisi", Assert.Single(_wecom.AppMessages).User);
        Assert.Equal(1, _wecom.TokensIssued);
    }

    [Fact]
    public async Task DingTalk_group_answers_through_the_session_webhook_at_the_asker()
    {
        await _client.PostAsync(DingTalk("dg-1", "hello", group: "cidGroupA"));

        await QuotaIntakeTests.WaitUntil(() => !_dingtalk.WebhookMessages.IsEmpty, 30);
        var (session, content, at) = Assert.Single(_dingtalk.WebhookMessages);
        Assert.Equal("s1", session);
        Assert.StartsWith("@wangwu ", content, StringComparison.Ordinal);
        Assert.Equal(["wangwu"], at); // DingTalk notifies the asker of a Markdown message too, though it does not highlight the @
        Assert.Single(_dingtalk.MarkdownTitles);
    }

    [Fact]
    public async Task DingTalk_direct_message_answers_through_the_session_webhook_without_an_at()
    {
        Assert.Equal(HttpStatusCode.OK, await _client.DeliverAsync(DingTalk("dm-1", "私聊", session: "s-dm")));

        await QuotaIntakeTests.WaitUntil(() => !_dingtalk.WebhookMessages.IsEmpty, 30);
        var (session, content, at) = Assert.Single(_dingtalk.WebhookMessages);
        Assert.Equal("s-dm", session);
        Assert.False(content.StartsWith('@'));
        Assert.Empty(at);
    }

    [Fact]
    public async Task An_expired_token_42001_and_a_slow_answer_still_deliver_once()
    {
        await _client.PostAsync(PlatformCallbacks.App("5400", "warm up", user: "slowpoke"));
        await QuotaIntakeTests.WaitUntil(() => _wecom.AppMessages.Count == 1, 30);

        _wecom.Inject(Fault.Json("""{"errcode":42001,"errmsg":"access_token expired"}"""), Fault.Delay(2000));
        await _client.PostAsync(PlatformCallbacks.App("5401", "second", user: "slowpoke"));
        await QuotaIntakeTests.WaitUntil(() => _wecom.AppMessages.Count == 2, 30);

        // 42001 dropped the cached token: a second one was fetched (slowly), and the send was retried once.
        Assert.Equal(2, _wecom.TokensIssued);
        await Task.Delay(1000);
        Assert.Equal(2, _wecom.AppMessages.Count);
    }

    [Fact]
    public async Task DingTalk_falls_back_to_the_openapi_when_the_session_has_expired()
    {
        _dingtalk.ExpireSession("old-dm");
        _dingtalk.ExpireSession("old-group");
        await _client.PostAsync(DingTalk("dd-1", "私聊问题", session: "old-dm"));
        await _client.PostAsync(DingTalk("dd-2", "group question", group: "cidGroupB", session: "old-group"));

        await QuotaIntakeTests.WaitUntil(() => !_dingtalk.DirectMessages.IsEmpty && !_dingtalk.GroupMessages.IsEmpty, 30);
        Assert.Equal("wangwu", Assert.Single(_dingtalk.DirectMessages).User);
        Assert.Equal("cidGroupB", Assert.Single(_dingtalk.GroupMessages).Conversation);
        Assert.Empty(_dingtalk.WebhookMessages);
        // As sampleMarkdown (the shipped DingTalk:MessageFormat), each titled.
        Assert.Equal(2, _dingtalk.MarkdownTitles.Count(t => t.Length > 0));
    }

    [Fact]
    public async Task Faults_are_retried_and_the_reply_arrives_exactly_once()
    {
        // The token is cached by a first answer, so the faults below hit message/send itself.
        await _client.PostAsync(PlatformCallbacks.App("5100", "warm up", user: "faulty"));
        await QuotaIntakeTests.WaitUntil(() => _wecom.AppMessages.Count == 1, 30);
        var before = _wecom.Requests;

        // 500, a dropped connection, busy (-1) and a frequency limit (45009) before message/send succeeds.
        _wecom.Inject(Fault.Http(500), Fault.DropConnection, Fault.Json("""{"errcode":-1,"errmsg":"system busy"}"""), Fault.Json("""{"errcode":45009,"errmsg":"api freq out of limit"}"""));
        await _client.PostAsync(PlatformCallbacks.App("5101", "hello", user: "faulty"));
        await QuotaIntakeTests.WaitUntil(() => _wecom.AppMessages.Count == 2, 60);
        Assert.Equal(5, _wecom.Requests - before);

        _dingtalk.Inject(Fault.Http(429), Fault.Json("""{"errcode":130101,"errmsg":"send too fast"}"""));
        await _client.PostAsync(DingTalk("df-1", "hello", group: "cidGroupC"));
        await QuotaIntakeTests.WaitUntil(() => !_dingtalk.WebhookMessages.IsEmpty, 60);

        await Task.Delay(3000);
        Assert.Equal(2, _wecom.AppMessages.Count);
        Assert.Single(_dingtalk.WebhookMessages);
    }

    [Fact]
    public async Task A_revoked_token_is_refreshed_and_the_send_retried_once()
    {
        await _client.PostAsync(PlatformCallbacks.App("5201", "first", user: "tok"));
        await QuotaIntakeTests.WaitUntil(() => _wecom.AppMessages.Count == 1, 30);
        _wecom.RevokeTokens();
        _dingtalk.RevokeTokens();

        await _client.PostAsync(PlatformCallbacks.App("5202", "second", user: "tok"));
        await QuotaIntakeTests.WaitUntil(() => _wecom.AppMessages.Count == 2, 30);
        Assert.Equal(2, _wecom.TokensIssued);
    }

    /// <summary>
    /// The parts of one split answer, once all have come: as many as the first one's "(1/N)" says, waited for rather
    /// than slept on (the parts go one after another, and a loaded machine can be slow on the last), then a moment in
    /// which no more may come.
    /// </summary>
    private static async Task<List<string>> AllPartsAsync(Func<List<string>> sent)
    {
        await QuotaIntakeTests.WaitUntil(() => sent().Count >= 1, 30);
        var header = System.Text.RegularExpressions.Regex.Match(sent()[0], @"^\(1/(\d+)\)");
        Assert.True(header.Success, $"the first part starts with its number: {sent()[0][..Math.Min(20, sent()[0].Length)]}");
        var total = int.Parse(header.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        await QuotaIntakeTests.WaitUntil(() => sent().Count >= total, 30);
        await Task.Delay(500);
        var parts = sent();
        Assert.Equal(total, parts.Count);
        return parts;
    }

    [Fact]
    public async Task A_long_answer_arrives_split_by_bytes_in_numbered_parts()
    {
        var longAnswer = string.Concat(Enumerable.Range(1, 120).Select(i => $"第{i}条：年假按工龄计算，满一年五天，满十年十天。\n\n"));
        using var app = App(services => services.AddSingleton<IChatClient>(new FixedAnswerClient(longAnswer)));
        var client = app.Start();

        await client.PostAsync(PlatformCallbacks.App("5301", "long please", user: "reader"));

        var parts = await AllPartsAsync(() => _wecom.AppMessages.Select(m => m.Content).ToList());
        Assert.True(parts.Count >= 4, $"{parts.Count} parts");
        Assert.All(parts, p => Assert.True(Encoding.UTF8.GetByteCount(p) <= 2048));
        Assert.All(parts.Select((p, i) => (p, i)), x => Assert.StartsWith($"({x.i + 1}/{parts.Count})\n", x.p, StringComparison.Ordinal));
        var joined = string.Concat(parts.Select(p => p[(p.IndexOf('\n', StringComparison.Ordinal) + 1)..]));
        // The model's answer, then its AI disclaimer.
        Assert.Equal((longAnswer + new ChatBot.Core.Pipeline.AnswerOptions().Disclaimer).Replace("\n", "", StringComparison.Ordinal), joined.Replace("\n", "", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_long_answer_fits_the_openapi_limit_after_json_escaping()
    {
        // Quotes and newlines double when msgParam is written as a JSON string: raw-byte parts would not fit.
        var answer = string.Concat(Enumerable.Repeat("\"a\"\n", 6000));
        using var app = App(services => services.AddSingleton<IChatClient>(new FixedAnswerClient(answer)));
        var client = app.Start();
        _dingtalk.ExpireSession("gone");

        await client.PostAsync(DingTalk("esc-1", "quote me", session: "gone", user: "escaper"));

        var parts = await AllPartsAsync(() => _dingtalk.DirectMessages.Select(m => m.Content).ToList());
        Assert.True(parts.Count >= 2, $"{parts.Count} parts");
        Assert.All(parts, p => Assert.True(Encoding.UTF8.GetByteCount(ChatBot.DingTalk.Api.DingTalkApiClient.MsgParam(p)) <= 15000));
        Assert.Equal((answer + new ChatBot.Core.Pipeline.AnswerOptions().Disclaimer).Replace("\n", "", StringComparison.Ordinal), string.Concat(parts.Select(p => p[(p.IndexOf('\n', StringComparison.Ordinal) + 1)..]))
            .Replace("  \n", "\n", StringComparison.Ordinal).Replace("\n", "", StringComparison.Ordinal)); // DingTalk's Markdown line ends are two spaces
    }

    [Fact]
    public async Task Over_quota_and_refused_input_replies_arrive()
    {
        _app.WriteQuotas("""{ "timeZone": "Asia/Shanghai", "dailyLimit": 0 }""");
        var policy = _app.Services.GetRequiredService<ChatBot.Core.AdminFiles.HotReloadedFile<ChatBot.Core.Quotas.QuotaPolicy>>();
        await QuotaIntakeTests.WaitUntil(() => policy.Current.DailyLimit == 0);

        await _client.PostAsync(DingTalk("q-1", "anything", session: "s-quota", user: "limited"));
        await _client.PostAsync(DingTalk("q-2", "我想赌博", session: "s-refuse", user: "limited"));

        await QuotaIntakeTests.WaitUntil(() => _dingtalk.WebhookMessages.Count == 2, 30);
        Assert.Contains(_dingtalk.WebhookMessages, m => m.Session == "s-quota" && m.Content.Contains("question limit", StringComparison.Ordinal));
        Assert.Contains(_dingtalk.WebhookMessages, m => m.Session == "s-refuse" && m.Content.Contains("can't help", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_response_url_outside_the_allow_list_is_never_called()
    {
        var forged = SimulatedCallback.WeComAiBot(ChatBotApp.AiBotToken, ChatBotApp.AiBotKey, "ssrf-1", "zhangsan", "hi", null,
            DateTimeOffset.UtcNow, "https://169.254.169.254/latest/meta-data");
        var sender = _app.Services.GetRequiredKeyedService<IReplySender>(WeComAiBotRoute.Key);
        var message = new InboundMessage(Platform.WeCom, "b", ChatKind.Direct, "u", "u", null, "hi", "ssrf-2",
            new WeComAiBotRoute("https://169.254.169.254/latest/meta-data", null, null), DateTimeOffset.UtcNow);

        var error = await Assert.ThrowsAsync<PlatformApiException>(() => sender.SendAsync(message, "answer", CancellationToken.None));
        Assert.False(error.Transient);
        Assert.Equal(HttpStatusCode.OK, (await _client.PostAsync(forged)).StatusCode);
    }
}
