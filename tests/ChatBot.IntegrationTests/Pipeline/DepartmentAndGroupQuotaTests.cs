using System.Diagnostics;
using System.Net;
using ChatBot.Core.Queue;
using ChatBot.IntegrationTests.Fakes;
using ChatBot.IntegrationTests.Infrastructure;

namespace ChatBot.IntegrationTests.Pipeline;

/// <summary>
/// quotas.json as an admin writes it, through the real host and the platforms' fake directories: department rules by
/// id on both platforms (the sender's departments looked up at intake), a directory that fails or stalls leaving the
/// default limit and the ack inside the deadline, and a group's shared budget exact across two instances.
/// </summary>
public sealed class DepartmentAndGroupQuotaTests : IAsyncLifetime
{
    private readonly FakeWeCom _wecom = new(ChatBotApp.CorpId, "test-app-secret", ChatBotApp.AgentId);
    private readonly FakeDingTalk _dingtalk = new(ChatBotApp.DingTalkClientId, ChatBotApp.DingTalkSecret);

    public async Task InitializeAsync()
    {
        _wecom.Departments["hr-li"] = [5];
        _wecom.Departments["ops-zhao"] = [7, 9];
        _dingtalk.Departments["staff300"] = [300];
        await _wecom.StartAsync();
        await _dingtalk.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _wecom.DisposeAsync();
        await _dingtalk.DisposeAsync();
    }

    private ChatBotApp App() => new ChatBotApp().WithRecordingQueue()
        .With("WeCom:ApiBaseUrl", _wecom.BaseUrl.ToString())
        .With("DingTalk:ApiBaseUrl", _dingtalk.BaseUrl.ToString())
        .With("DingTalk:OapiBaseUrl", _dingtalk.BaseUrl.ToString())
        .With("Quotas:NoticeInterval", "00:10:00");

    [Fact]
    public async Task A_wecom_and_a_dingtalk_user_in_a_department_with_a_rule_get_its_limit_the_most_generous_of_several()
    {
        using var app = App();
        app.WriteQuotas("""{ "timeZone": "Asia/Shanghai", "dailyLimit": 1, "departments": { "wecom:5": 3, "dingtalk:300": 2, "7": 2, "9": 4 } }""");
        var client = app.Start();

        for (var i = 0; i < 6; i++)
        {
            await client.PostAsync(PlatformCallbacks.App($"dq-hr-{i}", "年假怎么算", user: "hr-li"));
            await client.PostAsync(PlatformCallbacks.App($"dq-ops-{i}", "年假怎么算", user: "ops-zhao"));
            await client.PostAsync(PlatformCallbacks.App($"dq-none-{i}", "年假怎么算", user: "newcomer"));
            await client.PostAsync(PlatformCallbacks.DingTalk($"dq-dt-{i}", "年假怎么算", user: "staff300"));
        }

        var answered = app.Queue!.Queued.Where(q => q.Kind == AnswerKind.Inference).GroupBy(q => q.Message.SenderId).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(3, answered["hr-li"]);     // wecom:5
        Assert.Equal(4, answered["ops-zhao"]);  // in 7 (2) and 9 (4): the more generous
        Assert.Equal(2, answered["staff300"]);  // dingtalk:300
        Assert.Equal(1, answered["newcomer"]);  // no department rule: the default
        Assert.Equal(3, _wecom.DirectoryLookups); // one lookup per asker, cached after
    }

    [Fact]
    public async Task A_failing_or_stalled_directory_keeps_the_default_limit_and_the_ack_inside_the_deadline()
    {
        using var app = App();
        app.WriteQuotas("""{ "timeZone": "Asia/Shanghai", "dailyLimit": 1, "departments": { "5": 10 } }""");
        var client = app.Start();
        _wecom.Inject(Fault.Delay(4000), Fault.Delay(4000), Fault.Delay(4000), Fault.Delay(4000));

        var took = new List<TimeSpan>();
        for (var i = 0; i < 3; i++)
        {
            var watch = Stopwatch.StartNew();
            var response = await client.PostAsync(PlatformCallbacks.App($"slow-dir-{i}", "年假怎么算", user: "hr-li"));
            took.Add(watch.Elapsed);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.All(took, t => Assert.True(t < TimeSpan.FromSeconds(2.5), $"acked after {t.TotalSeconds:F2} s"));
        // The directory did not answer in time: the default limit (1), not the department's (10).
        Assert.Equal(1, app.Queue!.Queued.Count(q => q.Kind == AnswerKind.Inference));
    }

    [Fact]
    public async Task A_group_budget_of_5_under_50_questions_from_10_users_on_two_instances_gives_5_answers_and_one_group_notice()
    {
        var redis = RedisServer.IsolatedDatabase();
        var key = QuotaIntakeTests.ValidKey();
        using var first = App().With("Redis:ConnectionString", redis).With("Queue:EnvelopeKey", key);
        using var second = App().With("Redis:ConnectionString", redis).With("Queue:EnvelopeKey", key);
        const string Policy = """{ "timeZone": "Asia/Shanghai", "dailyLimit": 100, "groups": { "cidTeam": 5 } }""";
        first.WriteQuotas(Policy);
        second.WriteQuotas(Policy);
        HttpClient[] clients = [first.Start(), second.Start()];

        // Each signed a millisecond apart: DingTalk's signature is per timestamp, and one signature serves one message.
        var now = DateTimeOffset.UtcNow;
        var statuses = await Task.WhenAll(Enumerable.Range(0, 50).Select(i =>
            clients[i % 2].PostAsync(PlatformCallbacks.DingTalk($"grp-{i}", "@bot 年假怎么算", user: $"member{i % 10}", group: "cidTeam", now: now.AddMilliseconds(-i)))));

        Assert.All(statuses, s => Assert.Equal(HttpStatusCode.OK, s.StatusCode));
        var queued = first.Queue!.Queued.Concat(second.Queue!.Queued).ToList();
        Assert.Equal(5, queued.Count(q => q.Kind == AnswerKind.Inference));
        Assert.Equal(1, queued.Count(q => q.Kind == AnswerKind.OverGroupBudget));
    }
}
