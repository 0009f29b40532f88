using System.Net;
using System.Security.Cryptography;
using ChatBot.Host.Cli;
using ChatBot.IntegrationTests.Fakes;
using ChatBot.IntegrationTests.Infrastructure;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace ChatBot.IntegrationTests.Pipeline;

/// <summary>
/// The invariant: a message body is never at rest. A unique marker goes through the whole flow — verified
/// callback, Redis dedupe and quotas, Hangfire on Redis, llama.cpp, reply — on all three channels, and must
/// appear in no Redis key, value, field, member or element, and in no log line.
/// </summary>
public sealed class PrivacyTests
{
    [Fact]
    public async Task A_marker_sent_through_the_whole_flow_is_found_nowhere_at_rest()
    {
        var marker = "PRIVACY-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(8));
        var redis = RedisServer.IsolatedDatabase();
        var replies = new RecordingReplySender();
        using var app = new ChatBotApp()
            .With("Redis:ConnectionString", redis)
            .With("Queue:EnvelopeKey", Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)))
            .WithServices(replies.Register);
        var client = app.Start();

        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync(PlatformCallbacks.AiBot("p-1", $"{marker} 你好", group: "wrg1"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync(PlatformCallbacks.App("9001", $"{marker} 年假"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync(PlatformCallbacks.DingTalk("p-3", $"{marker} hello"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync(PlatformCallbacks.DingTalk("p-4", $"{marker} 赌博"))).StatusCode);

        // While queued, storage holds the sealed envelope: the marker must not be there either.
        var whileQueued = await RedisServer.DumpAsync(redis);
        await QuotaIntakeTests.WaitUntil(() => replies.Sent.Count == 4, seconds: 90);
        // Deleted jobs expire from storage within seconds of the reply; waited for, not slept on, so a loaded machine
        // cannot make the dump below catch a record on its way out (and a record that stays still fails).
        await SlowRedisTests.AssertNoJobsLeftAsync(redis);
        var afterwards = await RedisServer.DumpAsync(redis);

        Assert.Contains(replies.Sent, r => r.Message.MessageId == "p-4" && r.Text.Contains("Sorry", StringComparison.Ordinal));
        Assert.NotEmpty(afterwards);
        // Positive controls: the scan saw the stores that did hold this flow's data.
        Assert.Contains(afterwards, line => line.StartsWith("key chatbot:dedupe:", StringComparison.Ordinal));
        Assert.Contains(afterwards, line => line.StartsWith("key chatbot:quota:d:", StringComparison.Ordinal));
        Assert.Contains(afterwards, line => line.StartsWith("key chatbot:sent:", StringComparison.Ordinal));
        Assert.Contains(whileQueued.Concat(afterwards), line => line.StartsWith("key chatbot:hangfire:", StringComparison.Ordinal));
        Assert.DoesNotContain(whileQueued.Concat(afterwards), line => line.Contains(marker, StringComparison.Ordinal) || line.Contains("你好", StringComparison.Ordinal));
        Assert.DoesNotContain(afterwards, line => line.Contains("AnswerJob", StringComparison.Ordinal));
        Assert.NotEmpty(app.Logs.Lines);
        Assert.DoesNotContain(app.Logs.Lines, l => l.Line.Contains(marker, StringComparison.Ordinal));

        // The audit trail: one intake and one answer line per message, metadata only; and no file anywhere holds the text.
        await QuotaIntakeTests.WaitUntil(() => app.AuditLines.Count >= 8);
        // People are named by keyed pseudonyms: the user's and the group's raw ids are in no audit line and no log line.
        Assert.Contains(app.AuditLines, l => l.Contains("\"event\":\"answer\"", StringComparison.Ordinal)
            && l.Contains($"\"user\":\"{ChatBot.Core.Privacy.Pseudonym.Of("wangwu")}\"", StringComparison.Ordinal));
        Assert.Contains(app.AuditLines, l => l.Contains($"\"chat\":\"group:{ChatBot.Core.Privacy.Pseudonym.Of("wrg1")}\"", StringComparison.Ordinal));
        string[] ids = ["wangwu", "lisi", "zhangsan", "wrg1"];
        Assert.DoesNotContain(app.AuditLines, l => ids.Any(id => l.Contains(id, StringComparison.Ordinal)));
        Assert.DoesNotContain(app.Logs.Lines, l => ids.Any(id => l.Line.Contains(id, StringComparison.Ordinal)));
        foreach (var file in Directory.GetFiles(app.ConfigDirectory, "*", SearchOption.AllDirectories))
        {
            var bytes = File.ReadAllBytes(file);
            Assert.False(System.Text.Encoding.UTF8.GetString(bytes).Contains(marker, StringComparison.Ordinal), $"{file} holds the marker");
        }
    }

    [Fact]
    public async Task An_answer_streamed_through_redis_is_ciphertext_there()
    {
        var marker = "ANSWER-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(8));
        var redis = RedisServer.IsolatedDatabase();
        await using var wecom = new FakeWeCom(ChatBotApp.CorpId, "test-app-secret", ChatBotApp.AgentId);
        await wecom.StartAsync();
        using var app = new ChatBotApp()
            .With("Redis:ConnectionString", redis)
            .With("Queue:EnvelopeKey", Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)))
            .With("WeCom:AllowedReplyHosts:0", "127.0.0.1")
            .With("WeCom:AiBot:StreamPickupTimeout", "00:00:03")
            .WithServices(s => s.AddSingleton<IChatClient>(new EchoClient($"这是答案 {marker} 结束")));
        var client = app.Start();

        var callback = SimulatedCallback.WeComAiBot(ChatBotApp.AiBotToken, ChatBotApp.AiBotKey, "ans-1", "zhangsan", "问题", null, DateTimeOffset.UtcNow, wecom.ResponseUrl("rc-ans"));
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync(callback)).StatusCode);

        // While the finished stream waits for a refresh, its text sits in Redis: sealed.
        await QuotaIntakeTests.WaitUntil(() => RedisServer.DumpAsync(redis).Result.Any(l => l.StartsWith("key chatbot:stream:", StringComparison.Ordinal)), 60);
        var whileStreaming = await RedisServer.DumpAsync(redis);
        Assert.DoesNotContain(whileStreaming, line => line.Contains(marker, StringComparison.Ordinal) || line.Contains("这是答案", StringComparison.Ordinal));

        await QuotaIntakeTests.WaitUntil(() => !wecom.AiBotResponses.IsEmpty, 60);
        Assert.Contains(marker, Assert.Single(wecom.AiBotResponses).Markdown, StringComparison.Ordinal);
        Assert.DoesNotContain(app.Logs.Lines, l => l.Line.Contains(marker, StringComparison.Ordinal));
    }

    private sealed class EchoClient(string answer) : IChatClient
    {
        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, answer)));

        public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
            [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            await Task.Yield();
            yield return new ChatResponseUpdate(ChatRole.Assistant, answer);
        }

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }
}
