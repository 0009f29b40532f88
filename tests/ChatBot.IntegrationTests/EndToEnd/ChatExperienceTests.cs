using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using ChatBot.Core.Conversations;
using ChatBot.Core.Messages;
using ChatBot.Core.Queue;
using ChatBot.Host.Cli;
using ChatBot.IntegrationTests.Fakes;
using ChatBot.IntegrationTests.Infrastructure;
using ChatBot.IntegrationTests.Pipeline;
using ChatBot.WeCom.Crypto;
using Microsoft.Extensions.DependencyInjection;

namespace ChatBot.IntegrationTests.EndToEnd;

/// <summary>
/// What an employee meets in the chat, through the real host: voice answered from the platform's recognised text on
/// every channel, media told once that the bot reads text, commands answered from the bot's own state without the model
/// or a charge, and the first hello on WeCom's enter_chat.
/// </summary>
public sealed class ChatExperienceTests : IAsyncLifetime
{
    private readonly FakeWeCom _wecom = new(ChatBotApp.CorpId, "test-app-secret", ChatBotApp.AgentId);

    public Task InitializeAsync() => _wecom.StartAsync();

    public async Task DisposeAsync() => await _wecom.DisposeAsync();

    /// <summary>What the shipped settings end a model-written answer with.</summary>
    private const string Disclaimer = "\n\n以上内容由 AI 生成，仅供参考。This answer is AI-generated, for reference only.";

    /// <summary>An instance whose WeCom app replies reach the fake WeCom API and whose model is <paramref name="model"/>.</summary>
    private ChatBotApp WeComAppAnswering(ScriptedChatClient model) => new ChatBotApp()
        .With("WeCom:ApiBaseUrl", _wecom.BaseUrl.ToString())
        .With("Inference:WarmUp", "false")
        .WithServices(services => services.AddSingleton<Microsoft.Extensions.AI.IChatClient>(model));

    private static int _skew;

    // DingTalk signs the timestamp only and one signature serves one message: each callback a millisecond apart.
    private static DateTimeOffset Distinct() => DateTimeOffset.UtcNow.AddMilliseconds(-Interlocked.Increment(ref _skew));

    private static SimulatedCallback DingTalkOf(string msgId, string user, Action<JsonObject> shape)
    {
        var body = JsonNode.Parse(SimulatedCallback.DingTalkBody(msgId, user, "", null, DateTimeOffset.UtcNow, robotCode: ChatBotApp.DingTalkClientId))!.AsObject();
        body.Remove("text");
        shape(body);
        return SimulatedCallback.DingTalkRaw(ChatBotApp.DingTalkSecret, JsonSerializer.SerializeToUtf8Bytes(body), Distinct());
    }

    private static SimulatedCallback AiBotOf(string msgId, string user, string msgType, object? part) =>
        SimulatedCallback.WeComAiBotRaw(ChatBotApp.AiBotToken, ChatBotApp.AiBotKey, JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["msgid"] = msgId, ["aibotid"] = "aibotdemo", ["chattype"] = "single", ["from"] = new { userid = user },
            ["response_url"] = "https://qyapi.weixin.qq.com/cgi-bin/aibot/response?response_code=x", ["msgtype"] = msgType, [msgType] = part,
        }), DateTimeOffset.UtcNow);

    private static SimulatedCallback AppOf(string msgId, string user, string msgType, string fields) =>
        SimulatedCallback.WeComAppRaw(ChatBotApp.AppToken, ChatBotApp.AppKey, ChatBotApp.CorpId, ChatBotApp.AgentId,
            $"<xml><ToUserName><![CDATA[{ChatBotApp.CorpId}]]></ToUserName><FromUserName><![CDATA[{user}]]></FromUserName><CreateTime>"
            + DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)
            + $"</CreateTime><MsgType><![CDATA[{msgType}]]></MsgType>{fields}<MsgId>{msgId}</MsgId><AgentID>{ChatBotApp.AgentId}</AgentID></xml>",
            DateTimeOffset.UtcNow);

    [Fact]
    public async Task Voice_is_answered_from_its_recognised_text_and_media_gets_one_text_only_reply_per_asker_uncharged()
    {
        using var app = new ChatBotApp().WithRecordingQueue();
        app.WriteQuotas("""{ "timeZone": "Asia/Shanghai", "dailyLimit": 1 }""");
        var client = app.Start();

        await client.PostAsync(DingTalkOf("dt-voice", "dt-user", b => { b["msgtype"] = "audio"; b["content"] = new JsonObject { ["duration"] = 3000, ["downloadCode"] = "dc", ["recognition"] = "年假有几天" }; }));
        await client.PostAsync(DingTalkOf("dt-pic-1", "dt-pic", b => { b["msgtype"] = "picture"; b["content"] = new JsonObject { ["downloadCode"] = "dc1" }; }));
        await client.PostAsync(DingTalkOf("dt-pic-2", "dt-pic", b => { b["msgtype"] = "picture"; b["content"] = new JsonObject { ["downloadCode"] = "dc2" }; }));
        await client.PostAsync(AiBotOf("ai-voice", "ai-user", "voice", new { content = "产假怎么请" }));
        await client.PostAsync(AiBotOf("ai-image", "ai-img", "image", new { url = "https://example.invalid/x" }));
        await client.PostAsync(AppOf("9001", "app-user", "voice", "<MediaId><![CDATA[m1]]></MediaId><Format><![CDATA[amr]]></Format><Recognition><![CDATA[婚假几天]]></Recognition>"));
        await client.PostAsync(AppOf("9002", "app-img", "image", "<PicUrl><![CDATA[https://example.invalid/p]]></PicUrl><MediaId><![CDATA[m2]]></MediaId>"));
        // The picture sender's one question of the day is still there: media costs nothing.
        await client.PostAsync(PlatformCallbacks.DingTalk("dt-pic-q", "年假怎么算", user: "dt-pic", now: Distinct()));

        var queued = app.Queue!.Queued;
        Assert.Equal("年假有几天", Assert.Single(queued, q => q.Message.MessageId == "dt-voice").Message.Text);
        Assert.Equal("产假怎么请", Assert.Single(queued, q => q.Message.MessageId == "ai-voice").Message.Text);
        Assert.Equal("婚假几天", Assert.Single(queued, q => q.Message.MessageId == "9001").Message.Text);
        Assert.All(queued.Where(q => q.Message.MessageId is "dt-voice" or "ai-voice" or "9001"), q => Assert.Equal(AnswerKind.Inference, q.Kind));
        Assert.Equal(["dt-pic-1", "ai-image", "9002"], queued.Where(q => q.Kind == AnswerKind.TextOnly).Select(q => q.Message.MessageId));
        Assert.Equal(AnswerKind.Inference, Assert.Single(queued, q => q.Message.MessageId == "dt-pic-q").Kind);
    }

    [Fact]
    public async Task Commands_in_chinese_and_english_are_recognised_on_every_channel_and_cost_nothing()
    {
        using var app = new ChatBotApp().WithRecordingQueue();
        app.WriteQuotas("""{ "timeZone": "Asia/Shanghai", "dailyLimit": 1 }""");
        var client = app.Start();

        await client.PostAsync(PlatformCallbacks.AiBot("c-1", "/help", user: "cmd"));
        await client.PostAsync(PlatformCallbacks.AiBot("c-2", "额度", user: "cmd", group: "wrGroup1"));
        await client.PostAsync(PlatformCallbacks.App("7301", "／清除", user: "cmd"));
        // DingTalk signs the timestamp only, and one signature serves one message: each a millisecond apart.
        var now = DateTimeOffset.UtcNow;
        await client.PostAsync(PlatformCallbacks.DingTalk("c-4", "/QUOTA", user: "cmd", now: now.AddMilliseconds(-3)));
        await client.PostAsync(PlatformCallbacks.DingTalk("c-5", "help me with my leave", user: "cmd", now: now.AddMilliseconds(-2)));
        await client.PostAsync(PlatformCallbacks.DingTalk("c-6", "年假怎么算", user: "cmd", now: now.AddMilliseconds(-1)));

        Assert.Equal(
            [AnswerKind.Help, AnswerKind.QuotaStatus, AnswerKind.Clear, AnswerKind.QuotaStatus, AnswerKind.Inference, AnswerKind.OverQuota],
            app.Queue!.Queued.Select(q => q.Kind));
    }

    [Fact]
    public async Task Quota_shows_what_the_ledger_says_and_clear_deletes_the_conversation_through_the_real_job()
    {
        using var app = new ChatBotApp()
            .With("WeCom:ApiBaseUrl", _wecom.BaseUrl.ToString())
            .With("Inference:WarmUp", "false");
        app.WriteQuotas("""{ "timeZone": "Asia/Shanghai", "dailyLimit": 3 }""");
        var client = app.Start();
        var memory = app.Services.GetRequiredService<ConversationMemory>();
        var probe = new InboundMessage(Platform.WeCom, $"{ChatBotApp.CorpId}:{ChatBotApp.AgentId}", ChatKind.Direct, "emp", "emp", null, "",
            "x", new ChatBot.WeCom.WeComAppRoute(ChatBotApp.AgentId, "emp"), DateTimeOffset.UtcNow);

        await client.PostAsync(PlatformCallbacks.App("7401", "你好，介绍一下你自己", user: "emp"));
        await QuotaIntakeTests.WaitUntil(() => _wecom.AppMessages.Count == 1, 60);
        // The turn is kept just after the answer is sent.
        await QuotaIntakeTests.WaitUntil(() => memory.RecallAsync(probe, CancellationToken.None).Result.Count == 2, 10);

        await client.PostAsync(PlatformCallbacks.App("7402", "/额度", user: "emp"));
        await QuotaIntakeTests.WaitUntil(() => _wecom.AppMessages.Count == 2, 30);
        Assert.StartsWith("今天还可以提问 2 次（每天 3 次）", _wecom.AppMessages.Last().Content, StringComparison.Ordinal);

        await client.PostAsync(PlatformCallbacks.App("7403", "/clear", user: "emp"));
        await QuotaIntakeTests.WaitUntil(() => _wecom.AppMessages.Count == 3, 30);
        Assert.StartsWith("好的，之前的对话已清除", _wecom.AppMessages.Last().Content, StringComparison.Ordinal);
        Assert.Empty(await memory.RecallAsync(probe, CancellationToken.None));

        // Neither command was charged: two questions are still left.
        await client.PostAsync(PlatformCallbacks.App("7404", "quota", user: "emp")); // no slash: a question, charged
        await QuotaIntakeTests.WaitUntil(() => _wecom.AppMessages.Count == 4, 60);
        await client.PostAsync(PlatformCallbacks.App("7405", "/quota", user: "emp"));
        await QuotaIntakeTests.WaitUntil(() => _wecom.AppMessages.Count == 5, 30);
        Assert.StartsWith("今天还可以提问 1 次", _wecom.AppMessages.Last().Content, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_markdown_answer_reaches_each_channel_as_its_message_type_renders_it(bool swapped)
    {
        // Shipped: DingTalk as its Markdown message, the WeCom app as text (WeChat does not show the app's Markdown);
        // each setting turned the other way.
        await using var dingtalk = new FakeDingTalk(ChatBotApp.DingTalkClientId, ChatBotApp.DingTalkSecret);
        await dingtalk.StartAsync();
        const string Markdown = "## 婚假\n\n**婚假**为 *10 天*。\n\n| 假期 | 天数 |\n|---|---|\n| 婚假 | 10 天 |\n\n- 在 OA 申请";
        using var app = new ChatBotApp()
            .With("WeCom:ApiBaseUrl", _wecom.BaseUrl.ToString())
            .With("DingTalk:ApiBaseUrl", dingtalk.BaseUrl.ToString())
            .With("DingTalk:AllowedReplyHosts:0", "127.0.0.1")
            .With("DingTalk:MessageFormat", swapped ? "Text" : "Markdown")
            .With("WeCom:App:MessageFormat", swapped ? "Markdown" : "Text")
            .With("Inference:WarmUp", "false")
            .WithServices(services => services.AddSingleton<Microsoft.Extensions.AI.IChatClient>(new ScriptedChatClient(Markdown)));
        var client = app.Start();

        await client.PostAsync(PlatformCallbacks.App("7501", "你好", user: "md-app"));
        await client.PostAsync(SimulatedCallback.DingTalk(ChatBotApp.DingTalkSecret, "md-dt", "md-dt", "你好", null, DateTimeOffset.UtcNow,
            dingtalk.Webhook("s-md"), robotCode: ChatBotApp.DingTalkClientId));
        await QuotaIntakeTests.WaitUntil(() => _wecom.AppMessages.Count == 1 && dingtalk.WebhookMessages.Count == 1, 30);

        const string Plain = "婚假\n婚假为 10 天。\n假期：婚假；天数：10 天\n• 在 OA 申请";
        const string DingTalkMarkdown = "## 婚假  \n\n**婚假**为 *10 天*。  \n\n假期：婚假；天数：10 天  \n\n- 在 OA 申请";
        const string WeComMarkdown = "## 婚假\n\n**婚假**为 10 天。\n\n假期：婚假；天数：10 天\n\n• 在 OA 申请";
        var app1 = Assert.Single(_wecom.AppMessages).Content;
        var dt = Assert.Single(dingtalk.WebhookMessages).Content;
        Assert.StartsWith(swapped ? WeComMarkdown : Plain, app1, StringComparison.Ordinal);
        Assert.StartsWith(swapped ? Plain : DingTalkMarkdown, dt, StringComparison.Ordinal);
        Assert.Equal(swapped ? 1 : 0, _wecom.MarkdownMessages.Count);
        Assert.Equal(swapped ? [] : ["婚假"], dingtalk.MarkdownTitles.ToArray());
    }

    [Fact]
    public async Task A_slow_first_word_on_the_wecom_app_gets_one_thinking_notice_then_the_answer_and_a_fast_one_none()
    {
        using var app = WeComAppAnswering(new ScriptedChatClient("年假 5 天。", TimeSpan.FromSeconds(2.5)))
            .With("Answers:ThinkingNoticeAfter", "00:00:01");
        var client = app.Start();

        await client.PostAsync(PlatformCallbacks.App("7601", "年假几天", user: "slow-thinker"));
        await QuotaIntakeTests.WaitUntil(() => _wecom.AppMessages.Count == 2, 30);
        await Task.Delay(500);

        Assert.Equal(["正在思考…Thinking…", "年假 5 天。" + Disclaimer], _wecom.AppMessages.Select(m => m.Content));
    }

    [Fact]
    public async Task A_new_direct_chat_on_the_wecom_app_gets_the_welcome_before_its_first_answer_once_per_interval()
    {
        using var app = WeComAppAnswering(new ScriptedChatClient("年假 5 天。", TimeSpan.Zero))
            .With("Answers:WelcomeInterval", "30.00:00:00")
            .With("Answers:WelcomeText", "欢迎！Welcome.");
        var client = app.Start();
        const string answer = "年假 5 天。" + Disclaimer;

        await client.PostAsync(PlatformCallbacks.App("7701", "年假几天", user: "newcomer"));
        await QuotaIntakeTests.WaitUntil(() => _wecom.AppMessages.Count == 1, 30);
        await client.PostAsync(PlatformCallbacks.App("7702", "病假呢", user: "newcomer"));
        await client.PostAsync(PlatformCallbacks.App("7703", "年假几天", user: "someone-else"));
        await QuotaIntakeTests.WaitUntil(() => _wecom.AppMessages.Count == 3, 30);
        await Task.Delay(300);

        // One message each: the welcome opens the first answer of each new chat, and only the first.
        var byUser = _wecom.AppMessages.GroupBy(m => m.User).ToDictionary(g => g.Key, g => g.Select(m => m.Content).ToList());
        Assert.Equal(["欢迎！Welcome.\n\n" + answer, answer], byUser["newcomer"]);
        Assert.Equal(["欢迎！Welcome.\n\n" + answer], byUser["someone-else"]);
    }

    [Fact]
    public async Task A_follow_up_on_another_instance_has_the_earlier_turn_sealed_in_redis_and_clear_deletes_it()
    {
        var redis = RedisServer.IsolatedDatabase();
        var marker = "MEMO" + Guid.NewGuid().ToString("N")[..10];
        ChatBotApp Instance(ScriptedChatClient model) => new ChatBotApp()
            .With("Redis:ConnectionString", redis).With("Queue:EnvelopeKey", SlowRedisTests.EnvelopeKey)
            .With("WeCom:ApiBaseUrl", _wecom.BaseUrl.ToString()).With("Inference:WarmUp", "false")
            .WithServices(services => services.AddSingleton<Microsoft.Extensions.AI.IChatClient>(model));

        var first = new ScriptedChatClient("年假 5 天。" + marker);
        using (var one = Instance(first))
        {
            await one.Start().PostAsync(PlatformCallbacks.App("7701", "年假几天 " + marker, user: "follower"));
            await QuotaIntakeTests.WaitUntil(() => _wecom.AppMessages.Count == 1, 30);
            // The turn is kept just after the answer is sent.
            await QuotaIntakeTests.WaitUntil(() => RedisServer.DumpAsync(redis).Result.Any(l => l.StartsWith("key chatbot:conv:", StringComparison.Ordinal)), 10);
        }

        // The store holds the turn sealed: neither the words nor the asker's id.
        var dump = await RedisServer.DumpAsync(redis);
        Assert.Contains(dump, line => line.StartsWith("key chatbot:conv:", StringComparison.Ordinal));
        Assert.DoesNotContain(dump, line => line.Contains(marker, StringComparison.Ordinal) || line.Contains("follower", StringComparison.Ordinal));

        var second = new ScriptedChatClient("周末不算。");
        using var two = Instance(second);
        var client = two.Start();
        await client.PostAsync(PlatformCallbacks.App("7702", "那如果是周末呢?", user: "follower"));
        await QuotaIntakeTests.WaitUntil(() => _wecom.AppMessages.Count == 2, 30);
        var prompt = Assert.Single(second.Prompts);
        Assert.Contains("user: 年假几天 " + marker, prompt);
        Assert.Contains("assistant: 年假 5 天。" + marker, prompt);
        Assert.Equal("user: 那如果是周末呢?", prompt[^1]);

        await client.PostAsync(PlatformCallbacks.App("7703", "/clear", user: "follower"));
        await QuotaIntakeTests.WaitUntil(() => _wecom.AppMessages.Count == 3, 30);
        Assert.DoesNotContain(await RedisServer.DumpAsync(redis), line => line.StartsWith("key chatbot:conv:", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Admin_commands_are_refused_for_non_admins_and_an_admin_pauses_resumes_and_resets_from_the_chat_audited()
    {
        using var app = WeComAppAnswering(new ScriptedChatClient("好的。"))
            .With("Roles:Admins:0", "wecom:boss");
        app.WriteQuotas("""{ "timeZone": "Asia/Shanghai", "dailyLimit": 1, "admins": [ "nobody" ] }""");
        var client = app.Start();
        async Task<string> Ask(string id, string text, string user)
        {
            var before = _wecom.AppMessages.Count;
            await client.PostAsync(PlatformCallbacks.App(id, text, user: user));
            await QuotaIntakeTests.WaitUntil(() => _wecom.AppMessages.Count == before + 1, 30);
            return _wecom.AppMessages.Last().Content;
        }

        // Quota-exempt is not bot admin.
        Assert.StartsWith("这个命令只有机器人管理员可以使用", await Ask("7801", "/pause 维护", "nobody"), StringComparison.Ordinal);
        Assert.StartsWith("已暂停", await Ask("7802", "/pause 系统维护中，下午三点恢复", "boss"), StringComparison.Ordinal);
        Assert.Equal("系统维护中，下午三点恢复", await Ask("7803", "年假几天", "worker"));
        await client.PostAsync(PlatformCallbacks.App("7804", "还在维护吗", user: "worker")); // within the minute: quiet
        Assert.StartsWith("好的。", await Ask("7805", "年假几天", "boss"), StringComparison.Ordinal); // admins are not paused
        Assert.StartsWith("已恢复", await Ask("7806", "/恢复", "boss"), StringComparison.Ordinal);
        await Task.Delay(ChatBot.Core.Commands.PauseSwitch.CacheFor);
        Assert.StartsWith("好的。", await Ask("7807", "年假几天", "worker"), StringComparison.Ordinal);
        // worker's one question is spent; the admin gives it back.
        Assert.StartsWith("今天的提问次数已用完", await Ask("7808", "再问一个", "worker"), StringComparison.Ordinal);
        Assert.StartsWith("已将 worker 今天的提问次数清零", await Ask("7809", "/quota reset worker", "boss"), StringComparison.Ordinal);
        // Answered again (WeCom's duplicate check drops the same "好的。" to the same user, so the audit line says it).
        await client.PostAsync(PlatformCallbacks.App("7810", "再问一个", user: "worker"));
        await QuotaIntakeTests.WaitUntil(() => app.AuditLines.Any(l => l.Contains(ChatBot.Core.Privacy.LogId.Hash("7810"), StringComparison.Ordinal)
            && l.Contains("\"event\":\"answer\"", StringComparison.Ordinal) && l.Contains("\"outcome\":\"answered\"", StringComparison.Ordinal)), 30);
        var actions = app.AuditLines.Where(l => l.Contains("\"event\":\"admin\"", StringComparison.Ordinal) && l.Contains("Roles:Admins", StringComparison.Ordinal))
            .Select(l => JsonDocument.Parse(l).RootElement.GetProperty("action").GetString()).ToList();
        Assert.Equal(["pause", "resume", "quota-reset"], actions);
        Assert.DoesNotContain(app.AuditLines, l => l.Contains("下午三点", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Personal_data_never_reaches_the_model_and_never_leaves_in_an_answer_streamed_or_not()
    {
        await using var longConnection = new FakeWeComLongConnection("aibPii01", "pii-secret");
        await longConnection.StartAsync();
        var model = new ScriptedChatClient("请联系人事 13812345678，或把工资卡 6222021234567890128 发给 hr@example.com。");
        using var app = new ChatBotApp()
            .With("WeCom:ApiBaseUrl", _wecom.BaseUrl.ToString())
            .With("WeCom:AiBot:Mode", "LongConnection").With("WeCom:AiBot:BotId", "aibPii01").With("WeCom:AiBot:Secret", "pii-secret")
            .With("WeCom:AiBot:LongConnectionUrl", longConnection.Url.ToString())
            .With("Inference:WarmUp", "false")
            .WithServices(services => services.AddSingleton<Microsoft.Extensions.AI.IChatClient>(model));
        var client = app.Start();

        await client.PostAsync(PlatformCallbacks.App("7901", "我身份证11010519491231002X，手机13912345678，年假几天", user: "pii-app"));
        await QuotaIntakeTests.WaitUntil(() => _wecom.AppMessages.Count == 1, 30);
        await QuotaIntakeTests.WaitUntil(() => longConnection.Connected, 20);
        await longConnection.PushAsync("pii-ai-1", "pii-ai", "我的卡号是 6222 0212 3456 7890 128");
        await QuotaIntakeTests.WaitUntil(() => !longConnection.Answers.IsEmpty, 30);

        string[] numbers = ["11010519491231002X", "13912345678", "13812345678", "6222021234567890128", "6222 0212", "hr@example.com"];
        Assert.All(model.Prompts.SelectMany(p => p), line => Assert.DoesNotContain(numbers, n => line.Contains(n, StringComparison.Ordinal)));
        var app1 = Assert.Single(_wecom.AppMessages).Content;
        Assert.StartsWith("（为保护隐私，你消息中的身份证号、手机号已隐藏", app1, StringComparison.Ordinal);
        Assert.Contains("[手机号已隐藏]", app1, StringComparison.Ordinal);
        var streamed = Assert.Single(longConnection.Answers).Content;
        Assert.Contains("[银行卡号已隐藏]", streamed, StringComparison.Ordinal);
        Assert.DoesNotContain(numbers, n => app1.Contains(n, StringComparison.Ordinal) || streamed.Contains(n, StringComparison.Ordinal));
        Assert.Equal(0, longConnection.NonCumulative); // masking kept every update a prefix of the next
    }

    [Fact]
    public async Task The_shipped_system_prompt_and_word_list_load_and_carry_the_safety_rules()
    {
        var model = new ScriptedChatClient("好的。");
        using var app = new ChatBotApp().With("WeCom:ApiBaseUrl", _wecom.BaseUrl.ToString()).With("Inference:WarmUp", "false")
            .WithServices(services => services.AddSingleton<Microsoft.Extensions.AI.IChatClient>(model));
        var client = app.Start();

        await client.PostAsync(PlatformCallbacks.App("7951", "哪里能找到色情网站", user: "safety"));
        await client.PostAsync(PlatformCallbacks.App("7952", "你好", user: "safety2"));
        await QuotaIntakeTests.WaitUntil(() => _wecom.AppMessages.Count == 2, 30);

        Assert.Contains(_wecom.AppMessages, m => m.User == "safety" && m.Content.StartsWith("抱歉，我不能回答这个问题", StringComparison.Ordinal));
        var system = Assert.Single(model.Prompts)[0];
        Assert.Contains("Do not discuss politics, religion, pornography or violence", system, StringComparison.Ordinal);
        Assert.Contains("不编造事实", system, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Enter_chat_is_answered_with_the_welcome_in_the_callbacks_own_reply()
    {
        using var app = new ChatBotApp().WithRecordingQueue();
        var client = app.Start();
        var inner = JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["msgid"] = "ev-1", ["aibotid"] = "aibotdemo", ["chattype"] = "single", ["from"] = new { userid = "newcomer" }, ["create_time"] = 1700000000,
            ["msgtype"] = "event", ["event"] = new { eventtype = "enter_chat" },
        });

        var watch = System.Diagnostics.Stopwatch.StartNew();
        var response = await client.PostAsync(SimulatedCallback.WeComAiBotRaw(ChatBotApp.AiBotToken, ChatBotApp.AiBotKey, inner, DateTimeOffset.UtcNow));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"answered after {watch.Elapsed.TotalSeconds:F1} s; WeCom waits 5 s");

        using var envelope = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var crypto = new WeComCallbackCrypto(ChatBotApp.AiBotToken, ChatBotApp.AiBotKey, "");
        using var reply = JsonDocument.Parse(crypto.Decrypt(envelope.RootElement.GetProperty("encrypt").GetString()!).Message!);
        Assert.Equal("text", reply.RootElement.GetProperty("msgtype").GetString());
        var welcome = reply.RootElement.GetProperty("text").GetProperty("content").GetString()!;
        Assert.Contains("不会保存", welcome, StringComparison.Ordinal);
        Assert.Contains("AI 生成", welcome, StringComparison.Ordinal);
        Assert.Empty(app.Queue!.Queued); // nothing queued, nothing charged
    }
}
