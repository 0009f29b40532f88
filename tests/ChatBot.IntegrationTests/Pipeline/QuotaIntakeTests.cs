using System.Net;
using ChatBot.Core.AdminFiles;
using ChatBot.Core.Quotas;
using ChatBot.Core.Queue;
using ChatBot.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace ChatBot.IntegrationTests.Pipeline;

public sealed class QuotaIntakeTests
{
    private const string EnvelopeKey = "q8W3bD0y3Qk2o0pQm3f3JYx4c1b2a9d8e7f6a5b4c3d=";

    [Fact]
    public async Task A_thousand_concurrent_intakes_on_two_instances_sharing_redis_admit_exactly_the_limit()
    {
        var redis = RedisServer.IsolatedDatabase();
        using var first = new ChatBotApp().WithRecordingQueue().With("Redis:ConnectionString", redis).With("Queue:EnvelopeKey", ValidKey());
        using var second = new ChatBotApp().WithRecordingQueue().With("Redis:ConnectionString", redis).With("Queue:EnvelopeKey", ValidKey());
        first.WriteQuotas("""{ "timeZone": "Asia/Shanghai", "dailyLimit": 10 }""");
        second.WriteQuotas("""{ "timeZone": "Asia/Shanghai", "dailyLimit": 10 }""");
        HttpClient[] clients = [first.Start(), second.Start()];

        // A 503 (intake past its deadline while two cold hosts take the flood) is sent again, as the platform would;
        // its charge was refunded, so the counts stay exact.
        var callbacks = Enumerable.Range(0, 1000).Select(i => PlatformCallbacks.AiBot($"burst-{i}", "question", user: "eager")).ToList();
        Assert.Equal(1000, await BurstTests.DeliverAllAsync(clients, callbacks, concurrency: 64));
        var queued = first.Queue!.Queued.Concat(second.Queue!.Queued).ToList();
        Assert.Equal(10, queued.Count(q => q.Kind == AnswerKind.Inference));
        // One over-quota notice for the whole flood (Quotas:NoticeInterval), not 990 sends competing for the rate limit.
        Assert.Equal(1, queued.Count(q => q.Kind == AnswerKind.OverQuota));
        Assert.Equal(11, queued.Count);
        Assert.True(first.Logs.Lines.Count(l => l.EventId == 1100) > 100 && second.Logs.Lines.Count(l => l.EventId == 1100) > 100, "both instances took traffic");
    }

    [Fact]
    public async Task A_queue_failure_refunds_the_charge_so_the_retry_is_answered()
    {
        using var app = new ChatBotApp().WithRecordingQueue().With("Redis:ConnectionString", RedisServer.IsolatedDatabase()).With("Queue:EnvelopeKey", ValidKey());
        app.WriteQuotas("""{ "timeZone": "Asia/Shanghai", "dailyLimit": 1 }""");
        var client = app.Start();
        var callback = PlatformCallbacks.DingTalk("refund-1", "question", user: "unlucky");

        app.Queue!.Fail = true;
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await client.PostAsync(callback)).StatusCode);
        app.Queue.Fail = false;
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync(callback)).StatusCode);

        Assert.Equal(AnswerKind.Inference, Assert.Single(app.Queue.Queued).Kind);
    }

    [Fact]
    public async Task Refused_input_gets_a_refusal_and_charges_no_quota()
    {
        using var app = new ChatBotApp().WithRecordingQueue();
        app.WriteQuotas("""{ "timeZone": "Asia/Shanghai", "dailyLimit": 1 }""");
        var client = app.Start();

        await client.PostAsync(PlatformCallbacks.App("1001", "哪里可以赌 博？", user: "curious"));
        await client.PostAsync(PlatformCallbacks.App("1002", "年假怎么算？", user: "curious"));

        Assert.Equal([AnswerKind.RefusedInput, AnswerKind.Inference], app.Queue!.Queued.Select(q => q.Kind));
        Assert.DoesNotContain(app.Logs.Lines, l => l.Line.Contains("赌", StringComparison.Ordinal));
        Assert.Contains(app.Logs.Lines, l => l.EventId == 1103 && l.Line.Contains("gambling", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_quota_change_applies_while_messages_flow()
    {
        using var app = new ChatBotApp().WithRecordingQueue().With("Quotas:NoticeInterval", "00:00:00");
        app.WriteQuotas("""{ "timeZone": "Asia/Shanghai", "dailyLimit": 2 }""");
        var client = app.Start();
        var policy = app.Services.GetRequiredService<HotReloadedFile<QuotaPolicy>>();
        for (var i = 0; i < 3; i++)
        {
            await client.PostAsync(PlatformCallbacks.AiBot($"hot-{i}", "q", user: "reload"));
        }

        var version = policy.Version;
        app.WriteQuotas("""{ "timeZone": "Asia/Shanghai", "dailyLimit": 4 }""");
        await WaitUntil(() => policy.Version > version);
        for (var i = 3; i < 6; i++)
        {
            await client.PostAsync(PlatformCallbacks.AiBot($"hot-{i}", "q", user: "reload"));
        }

        app.WriteQuotas("""{ "dailyLimit": "broken" }""");
        await WaitUntil(() => app.Logs.Lines.Any(l => l.EventId == 1301));
        await client.PostAsync(PlatformCallbacks.AiBot("hot-6", "q", user: "reload"));

        Assert.Equal(
            [AnswerKind.Inference, AnswerKind.Inference, AnswerKind.OverQuota, AnswerKind.Inference, AnswerKind.Inference, AnswerKind.OverQuota, AnswerKind.OverQuota],
            app.Queue!.Queued.Select(q => q.Kind));
        Assert.Equal(4, policy.Current.DailyLimit);
    }

    [Fact]
    public void A_broken_quota_file_stops_start_up_naming_the_problem()
    {
        using var app = new ChatBotApp();
        app.WriteQuotas("""{ "dailyLimit": -2 }""");
        var error = Assert.ThrowsAny<Exception>(() => app.Start());
        Assert.Contains("dailyLimit must be 0 or more; got -2", error.ToString(), StringComparison.Ordinal);
    }

    internal static string ValidKey() => Convert.ToBase64String(System.Text.Encoding.ASCII.GetBytes(EnvelopeKey[..32]));

    /// <param name="explain">What to show when it fails (say, the app's log), so a rare failure in CI can be read.</param>
    internal static async Task WaitUntil(Func<bool> condition, int seconds = 20, Func<string>? explain = null)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!condition() && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.True(condition(), $"the condition did not become true within {seconds} s" + (explain is null ? "" : "\n" + explain()));
    }
}
