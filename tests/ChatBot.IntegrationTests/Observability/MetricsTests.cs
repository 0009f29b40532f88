using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using ChatBot.Host.Cli;
using ChatBot.IntegrationTests.Fakes;
using ChatBot.IntegrationTests.Infrastructure;
using ChatBot.IntegrationTests.Pipeline;
using ChatBot.Tests.Shared;

namespace ChatBot.IntegrationTests.Observability;

/// <summary><c>/metrics</c> scraped before and after real traffic through the host: each metric moves with its event, labels stay bounded.</summary>
public sealed partial class MetricsTests : IDisposable
{
    private readonly string _docs = Directory.CreateTempSubdirectory("chatbot-metrics-docs").FullName;
    private readonly RecordingReplySender _replies = new();

    public MetricsTests() =>
        File.WriteAllText(Path.Combine(_docs, "dorm.md"), "# 员工宿舍管理规定\n## 二、住宿费用\n宿舍每人每月收取住宿费150元，从工资中代扣。");

    public void Dispose() => Directory.Delete(_docs, recursive: true);

    [Fact]
    public async Task Each_metric_moves_when_its_event_happens_and_no_label_names_a_user_or_a_message()
    {
        using var app = new ChatBotApp().WithServices(_replies.Register)
            .With("Knowledge:Folder", _docs).With("Knowledge:SynonymsFile", RepoPaths.Config("knowledge-synonyms.txt"));
        app.WriteQuotas("""{ "timeZone": "Asia/Shanghai", "dailyLimit": 1 }""");
        var client = app.Start();
        var before = await client.GetStringAsync(new Uri("/metrics", UriKind.Relative));

        await client.PostAsync(PlatformCallbacks.App("m-user-msg-1", "住宿费多少钱", user: "metrics-user-a"));
        await client.PostAsync(PlatformCallbacks.App("m-user-msg-1", "住宿费多少钱", user: "metrics-user-a"));
        await client.PostAsync(PlatformCallbacks.App("m-user-msg-2", "股票期权怎么行权", user: "metrics-user-a"));
        await client.PostAsync(PlatformCallbacks.App("m-user-msg-3", "哪里可以赌博", user: "metrics-user-b"));
        var forged = PlatformCallbacks.App("m-user-msg-4", "hi", user: "metrics-user-c").ToRequest(client.BaseAddress!);
        forged.RequestUri = new Uri(forged.RequestUri!.ToString().Replace("msg_signature=", "msg_signature=0", StringComparison.Ordinal));
        await client.SendAsync(forged);
        await QuotaIntakeTests.WaitUntil(() => _replies.Sent.Count == 3, 60);
        (string Series, string[] Labels)[] moving =
        [
            ("chatbot_callbacks_total", ["platform=\"wecom\"", "channel=\"wecom-app\"", "outcome=\"accepted\""]),
            ("chatbot_callbacks_total", ["outcome=\"duplicate\""]),
            ("chatbot_callbacks_total", ["outcome=\"over_quota\""]),
            ("chatbot_callbacks_total", ["outcome=\"refused_input\""]),
            ("chatbot_callbacks_total", ["outcome=\"rejected\"", "reason=\"signature_mismatch\""]),
            ("chatbot_ack_duration_seconds_count", ["platform=\"wecom\""]),
            ("chatbot_queue_wait_seconds_count", []),
            ("chatbot_answer_duration_seconds_count", ["kind=\"Inference\""]),
            ("chatbot_answer_time_to_first_token_seconds_count", []),
            ("chatbot_tokens_generated_total", []),
            ("chatbot_replies_total", ["result=\"ok\""]),
            ("chatbot_quota_total", ["event=\"charged\""]),
            ("chatbot_quota_total", ["event=\"denied\""]),
            ("chatbot_screening_hits_total", ["direction=\"input\"", "category=\"gambling\""]),
            ("chatbot_knowledge_questions_total", ["result=\"grounded\""]),
        ];
        var after = await ScrapeUntilMovedAsync(client, before, moving);
        Assert.Equal(1, Value(after, "chatbot_model_loaded"));
        Assert.True(Value(after, "chatbot_process_resident_memory_bytes") > 10_000_000);
        Assert.Contains("chatbot_queue_depth", after, StringComparison.Ordinal);
        foreach (var id in new[] { "metrics-user", "m-user-msg", "住宿", "赌博" })
        {
            Assert.DoesNotContain(id, after, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Burst_refusal_failure_and_long_connection_metrics_move_too()
    {
        await using var dingtalk = new FakeDingTalk(ChatBotApp.DingTalkClientId, ChatBotApp.DingTalkSecret);
        await dingtalk.StartAsync();
        using var app = new ChatBotApp()
            .With("DingTalk:Mode", "Stream").With("DingTalk:ApiBaseUrl", dingtalk.BaseUrl.ToString()).With("DingTalk:AllowedReplyHosts:0", "127.0.0.1")
            .With("DingTalk:StreamKeepAlive", "00:00:10") // a killed socket is reset at once; see DingTalkStreamTests
            .With("Knowledge:Folder", _docs).With("Knowledge:SynonymsFile", RepoPaths.Config("knowledge-synonyms.txt"));
        app.WriteQuotas("""{ "timeZone": "Asia/Shanghai", "dailyLimit": 100, "burstPerMinute": 1 }""");
        var client = app.Start();
        await QuotaIntakeTests.WaitUntil(() => dingtalk.LiveConnections == 1);
        var before = await client.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        byte[] Message(string id, string user, string text) =>
            SimulatedCallback.DingTalkBody(id, user, text, null, DateTimeOffset.UtcNow, dingtalk.Webhook("s-" + id), ChatBotApp.DingTalkClientId);

        await dingtalk.PushAsync(Message("mm-0", "refused-user", "股票期权怎么行权")); // nothing in the documents: refused, refunded
        await QuotaIntakeTests.WaitUntil(() => dingtalk.WebhookMessages.Count == 1, 60);
        await dingtalk.PushAsync(Message("mm-1", "burst-user", "你好"));
        await QuotaIntakeTests.WaitUntil(() => dingtalk.WebhookMessages.Count == 2, 60);
        await dingtalk.PushAsync(Message("mm-2", "burst-user", "在吗")); // a second question within the minute: over burst
        await QuotaIntakeTests.WaitUntil(() => dingtalk.WebhookMessages.Count == 3, 60);
        // The platform refuses the reply for good (unsupported message type): a failed send, with its code.
        dingtalk.Inject(Fault.Json("""{"errcode":400105,"errmsg":"不支持的消息类型"}"""));
        await dingtalk.PushAsync(Message("mm-3", "other-user", "你好"));
        await QuotaIntakeTests.WaitUntil(() => app.Logs.Lines.Any(l => l.EventId == 1208), 60);
        dingtalk.KillConnections();
        await QuotaIntakeTests.WaitUntil(() => dingtalk.Opens >= 2 && dingtalk.LiveConnections == 1, 20);
        await QuotaIntakeTests.WaitUntil(() => app.Logs.Lines.Count(l => l.EventId == 3020) >= 2);
        var after = await ScrapeUntilMovedAsync(client, before,
        [
            ("chatbot_knowledge_questions_total", ["result=\"refused\""]),
            ("chatbot_callbacks_total", ["channel=\"dingtalk\"", "outcome=\"over_burst\""]),
            ("chatbot_quota_total", ["event=\"refunded\""]),
            ("chatbot_replies_total", ["platform=\"dingtalk\"", "result=\"failed\"", "code=\"sessionWebhook errcode 400105\""]),
            ("chatbot_long_connection_reconnects_total", ["connection=\"dingtalk-stream\""]),
        ]);
        Assert.Equal(1, Value(after, "chatbot_long_connection_connected", "connection=\"dingtalk-stream\""));
    }

    [Fact]
    public async Task Metrics_are_not_served_to_callers_outside_the_allowed_networks()
    {
        using var app = new ChatBotApp().With("Metrics:AllowedNetworks:0", "10.0.0.0/8").With("Metrics:AllowedNetworks:1", "fd00::/8");
        var client = app.Start();

        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(new Uri("/metrics", UriKind.Relative))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(new Uri("/healthz", UriKind.Relative))).StatusCode);
    }

    /// <summary>The sum of a series' samples whose labels include all of <paramref name="labels"/>.</summary>
    /// <summary>
    /// <c>/metrics</c> once every series named has moved since <paramref name="before"/>, or failing with those that did
    /// not after 10 s: an answer's figures are recorded after its send returns, and the jobs of several questions
    /// finish in any order, so no reply seen by the test marks the moment they are all there.
    /// </summary>
    private static async Task<string> ScrapeUntilMovedAsync(HttpClient client, string before, (string Series, string[] Labels)[] moving)
    {
        var after = "";
        bool Moved((string Series, string[] Labels) m) => Value(after, m.Series, m.Labels) > Value(before, m.Series, m.Labels);
        for (var i = 0; i < 40; i++)
        {
            after = await client.GetStringAsync(new Uri("/metrics", UriKind.Relative));
            if (moving.All(Moved))
            {
                break;
            }

            await Task.Delay(250);
        }

        Assert.All(moving, m => Assert.True(Moved(m), $"{m.Series}{{{string.Join(",", m.Labels)}}} did not move"));
        return after;
    }

    internal static double Value(string scrape, string series, params string[] labels) =>
        scrape.Split('\n')
            .Where(line => line.StartsWith(series, StringComparison.Ordinal) && (line.Length == series.Length || line[series.Length] is '{' or ' '))
            .Where(line => labels.All(l => line.Contains(l, StringComparison.Ordinal)))
            .Sum(line => double.Parse(Sample().Match(line).Groups[1].Value, CultureInfo.InvariantCulture));

    [GeneratedRegex(@"\s([-+0-9.eE]+|NaN)(\s+\d+)?$")]
    private static partial Regex Sample();
}
