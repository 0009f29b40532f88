using System.Net;
using ChatBot.Host.Cli;
using ChatBot.IntegrationTests.Infrastructure;

namespace ChatBot.IntegrationTests.Pipeline;

/// <summary>
/// Bursts from one user over two instances on one Redis, with real Hangfire workers and real inference: every
/// message acknowledged (the platform retries a 503, as WeCom and DingTalk do), exactly the quota answered, one
/// notice for the rest, and other users' answers not held up behind the flood.
/// </summary>
public sealed class BurstTests
{
    [Fact]
    public async Task Six_hundred_at_once_over_two_instances_answer_exactly_the_daily_limit_and_lose_nothing()
    {
        var (first, second, replies, redis) = TwoInstances("""{ "timeZone": "Asia/Shanghai", "dailyLimit": 10 }""");
        using (first)
        using (second)
        {
            HttpClient[] clients = [first.Start(), second.Start()];
            var callbacks = Enumerable.Range(0, 600).Select(i => PlatformCallbacks.AiBot($"flood-{i}", "question", user: "eager")).ToList();

            var acknowledged = await DeliverAllAsync(clients, callbacks, concurrency: 200);

            Assert.Equal(600, acknowledged);
            await QuotaIntakeTests.WaitUntil(() => replies.Sent.Count >= 11, 90);
            await Task.Delay(TimeSpan.FromSeconds(2));
            var answers = replies.Sent.Where(r => !r.Text.Contains("提问次数已用完", StringComparison.Ordinal)).ToList();
            Assert.Equal(10, answers.Count);
            Assert.Equal(10, answers.Select(a => a.Message.MessageId).Distinct().Count());
            Assert.Single(replies.Sent, r => r.Text.Contains("提问次数已用完", StringComparison.Ordinal));
            await SlowRedisTests.AssertNoJobsLeftAsync(redis);
        }
    }

    [Fact]
    public async Task Twenty_at_once_with_a_burst_limit_of_six_answer_exactly_six()
    {
        var (first, second, replies, _) = TwoInstances("""{ "timeZone": "Asia/Shanghai", "dailyLimit": 100, "burstPerMinute": 6 }""");
        using (first)
        using (second)
        {
            HttpClient[] clients = [first.Start(), second.Start()];
            // DingTalk signs each callback at its own millisecond.
            var now = DateTimeOffset.UtcNow;
            var callbacks = Enumerable.Range(0, 20).Select(i => PlatformCallbacks.DingTalk($"burst-{i}", "question", user: "quick", now: now.AddMilliseconds(i))).ToList();

            Assert.Equal(20, await DeliverAllAsync(clients, callbacks, concurrency: 20));

            await QuotaIntakeTests.WaitUntil(() => replies.Sent.Count >= 7, 60);
            await Task.Delay(TimeSpan.FromSeconds(2));
            Assert.Equal(6, replies.Sent.Count(r => !r.Text.Contains("提问太快", StringComparison.Ordinal)));
            Assert.Single(replies.Sent, r => r.Text.Contains("提问太快", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task A_flood_of_over_quota_messages_from_one_user_does_not_delay_another_users_answer()
    {
        var replies = new RecordingReplySender();
        using var app = new ChatBotApp().WithServices(replies.Register).With("Queue:WorkerCount", "2");
        app.WriteQuotas("""{ "timeZone": "Asia/Shanghai", "dailyLimit": 0, "users": { "calm": 5 } }""");
        var client = app.Start();

        Assert.Equal(120, await DeliverAllAsync([client], Enumerable.Range(0, 120).Select(i => PlatformCallbacks.App($"{50000 + i}", "q", user: "flooder")).ToList(), 32));
        await client.PostAsync(PlatformCallbacks.App("60000", "my question", user: "calm"));

        await QuotaIntakeTests.WaitUntil(() => replies.Sent.Any(r => r.Message.SenderId == "calm"), 30);
        Assert.Single(replies.Sent, r => r.Message.SenderId == "flooder");
    }

    private static (ChatBotApp First, ChatBotApp Second, RecordingReplySender Replies, string Redis) TwoInstances(string quotas)
    {
        var redis = RedisServer.IsolatedDatabase();
        var replies = new RecordingReplySender();
        var first = new ChatBotApp().WithServices(replies.Register).With("Redis:ConnectionString", redis).With("Queue:EnvelopeKey", SlowRedisTests.EnvelopeKey);
        var second = new ChatBotApp().WithServices(replies.Register).With("Redis:ConnectionString", redis).With("Queue:EnvelopeKey", SlowRedisTests.EnvelopeKey);
        first.WriteQuotas(quotas);
        second.WriteQuotas(quotas);
        return (first, second, replies, redis);
    }

    /// <summary>Delivers every callback until it is acknowledged, retrying a 503 as the platforms do (shortened here).</summary>
    internal static async Task<int> DeliverAllAsync(HttpClient[] clients, IReadOnlyList<SimulatedCallback> callbacks, int concurrency)
    {
        using var gate = new SemaphoreSlim(concurrency);
        var acknowledged = await Task.WhenAll(callbacks.Select(async (callback, i) =>
        {
            for (var attempt = 0; attempt < 6; attempt++)
            {
                await gate.WaitAsync();
                HttpStatusCode status;
                try
                {
                    status = (await clients[(i + attempt) % clients.Length].PostAsync(callback)).StatusCode;
                }
                finally
                {
                    gate.Release();
                }

                if (status == HttpStatusCode.OK)
                {
                    return true;
                }

                Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
                await Task.Delay(1000);
            }

            return false;
        }));
        return acknowledged.Count(a => a);
    }
}
