using System.Collections.Concurrent;
using System.Net;
using ChatBot.Core.Messages;
using ChatBot.Core.Pipeline;
using ChatBot.Core.Queue;
using ChatBot.Core.Replies;
using ChatBot.IntegrationTests.Infrastructure;
using ChatBot.WeCom;
using Microsoft.Extensions.DependencyInjection;

namespace ChatBot.IntegrationTests.Pipeline;

/// <summary>The background half on real Hangfire (in memory) and real llama.cpp on the tiny model.</summary>
public sealed class AnswerJobTests
{
    [Fact]
    public async Task Each_channel_gets_a_model_answer_and_a_dm_remembers_the_last_turns()
    {
        var replies = new RecordingReplySender();
        using var app = new ChatBotApp().WithServices(replies.Register);
        var client = app.Start();

        await client.PostAsync(PlatformCallbacks.AiBot("a-1", "hello", group: "wrg"));
        await client.PostAsync(PlatformCallbacks.App("2001", "first question", user: "memo"));
        await client.PostAsync(PlatformCallbacks.DingTalk("a-3", "你好"));
        await QuotaIntakeTests.WaitUntil(() => replies.Sent.Count == 3);
        await client.PostAsync(PlatformCallbacks.App("2002", "follow-up", user: "memo"));
        await QuotaIntakeTests.WaitUntil(() => replies.Sent.Count == 4);

        Assert.All(replies.Sent, r => Assert.False(string.IsNullOrEmpty(r.Text)));
        var memory = app.Services.GetRequiredService<ChatBot.Core.Conversations.ConversationMemory>();
        var recalled = await memory.RecallAsync(new ChatBot.Core.Messages.InboundMessage(ChatBot.Core.Messages.Platform.WeCom, $"{ChatBotApp.CorpId}:{ChatBotApp.AgentId}",
            ChatBot.Core.Messages.ChatKind.Direct, "memo", "memo", null, "", "probe", new ChatBot.WeCom.WeComAppRoute(ChatBotApp.AgentId, "memo"), DateTimeOffset.UtcNow), CancellationToken.None);
        Assert.Equal(4, recalled.Count);
        Assert.Equal("follow-up", recalled[2].Text);
    }

    [Fact]
    public async Task After_its_last_retry_the_job_refunds_the_quota_and_tells_the_user()
    {
        var sender = new FlakySender(failures: 2);
        using var app = new ChatBotApp()
            .With("Queue:Retries", "1")
            .With("Queue:RetryDelaySeconds:0", "1")
            .WithServices(sender.Register);
        app.WriteQuotas("""{ "timeZone": "Asia/Shanghai", "dailyLimit": 1 }""");
        var client = app.Start();

        await client.PostAsync(PlatformCallbacks.DingTalk("flaky-1", "question", user: "victim"));
        await QuotaIntakeTests.WaitUntil(() => sender.Delivered.Count == 1, seconds: 45);
        Assert.Contains("try again later", sender.Delivered.Single(), StringComparison.Ordinal);
        Assert.Equal(3, sender.Attempts);

        // The charge was given back: the user can still ask today.
        await client.PostAsync(PlatformCallbacks.DingTalk("flaky-2", "question again", user: "victim"));
        await QuotaIntakeTests.WaitUntil(() => sender.Delivered.Count == 2, seconds: 45);
        Assert.DoesNotContain("question limit", sender.Delivered[1], StringComparison.Ordinal);
        Assert.Contains(app.Logs.Lines, l => l.EventId == 1203);
    }

    [Fact]
    public async Task Two_hosts_in_one_process_each_keep_their_own_retry_setting()
    {
        // Hangfire's filters used to be set in its process-wide list, so the host started last decided every host's
        // retries: here the first host's job would be deleted after its first failure instead of being retried.
        var patient = new FlakySender(failures: 1);
        var hasty = new FlakySender(failures: 1);
        using var first = new ChatBotApp().WithServices(patient.Register).With("Queue:Retries", "1").With("Queue:RetryDelaySeconds:0", "1");
        using var second = new ChatBotApp().WithServices(hasty.Register).With("Queue:Retries", "0");
        first.Start();
        second.Start();
        var defaults = Hangfire.GlobalJobFilters.Filters.Select(f => f.Instance).OfType<Hangfire.AutomaticRetryAttribute>().Single();

        await first.CreateClient().PostAsync(PlatformCallbacks.DingTalk("own-1", "question", user: "patient"));
        await second.CreateClient().PostAsync(PlatformCallbacks.DingTalk("own-2", "question", user: "hasty"));
        await QuotaIntakeTests.WaitUntil(() => patient.Delivered.Count == 1 && hasty.Delivered.Count == 1, seconds: 45);

        Assert.DoesNotContain("try again later", patient.Delivered.Single(), StringComparison.Ordinal); // retried, answered
        Assert.Contains("try again later", hasty.Delivered.Single(), StringComparison.Ordinal); // no retry: told at once
        Assert.Contains(first.Logs.Lines, l => l.EventId == 1202);
        Assert.Contains(second.Logs.Lines, l => l.EventId == 1203);
        // Hangfire's own list is left as the library made it.
        Assert.Equal(10, defaults.Attempts);
    }

    [Fact]
    public async Task A_job_rerun_after_a_crash_past_the_send_does_not_send_twice()
    {
        var replies = new RecordingReplySender();
        using var app = new ChatBotApp().WithServices(replies.Register);
        app.Start();
        var sealer = app.Services.GetRequiredService<EnvelopeSealer>();
        var message = new InboundMessage(Platform.WeCom, "bot", ChatKind.Direct, "u", "u", null, "hi", "crash-1", new WeComAppRoute(1, "u"), DateTimeOffset.UtcNow);
        var envelope = sealer.Seal(new AnswerRequest(message, AnswerKind.Inference));

        // The first run sends and records delivery; the process "dies" before Hangfire marks the job done,
        // so Hangfire runs it again.
        await ActivatorUtilities.CreateInstance<AnswerJob>(app.Services).RunAsync(envelope, null, CancellationToken.None);
        await ActivatorUtilities.CreateInstance<AnswerJob>(app.Services).RunAsync(envelope, null, CancellationToken.None);

        Assert.Single(replies.Sent);
        Assert.Contains(app.Logs.Lines, l => l.EventId == 1201);
    }

    [Fact]
    public async Task A_send_over_the_conversation_rate_is_rescheduled_without_using_a_retry_or_inferring_again()
    {
        var sender = new PacedSender();
        using var app = new ChatBotApp().WithServices(sender.Register).With("Queue:Retries", "0").With("Inference:WarmUp", "false");
        app.Start();

        await app.CreateClient().PostAsync(PlatformCallbacks.App("8801", "question", user: "paced"));

        await QuotaIntakeTests.WaitUntil(() => !sender.Sent.IsEmpty, 30);
        Assert.Equal(2, sender.Attempts);
        Assert.DoesNotContain(app.Logs.Lines, l => l.EventId is 1202 or 1203); // not a failure, no retry used (Retries is 0)
        Assert.Contains(app.Logs.Lines, l => l.EventId == 1209); // the second run sent the kept answer
    }

    /// <summary>Over the conversation's rate on the first try, as a busy group would be.</summary>
    private sealed class PacedSender : IReplySender
    {
        private int _attempts;

        public ConcurrentQueue<string> Sent { get; } = new();

        public int Attempts => _attempts;

        public Task SendAsync(InboundMessage message, string text, CancellationToken cancellationToken)
        {
            if (Interlocked.Increment(ref _attempts) == 1)
            {
                throw new PacingException(TimeSpan.FromSeconds(1));
            }

            Sent.Enqueue(text);
            return Task.CompletedTask;
        }

        public void Register(IServiceCollection services)
        {
            foreach (var key in services.ReplyRouteKinds().SenderKeys)
            {
                services.AddKeyedSingleton<IReplySender>(key, this);
            }
        }
    }

    private sealed class FlakySender(int failures) : IReplySender
    {
        private int _attempts;

        public ConcurrentQueue<string> Sent { get; } = new();

        public List<string> Delivered => [.. Sent];

        public int Attempts => _attempts;

        public Task SendAsync(InboundMessage message, string text, CancellationToken cancellationToken)
        {
            if (Interlocked.Increment(ref _attempts) <= failures)
            {
                throw new HttpRequestException("platform API down (test)", null, HttpStatusCode.BadGateway);
            }

            Sent.Enqueue(text);
            return Task.CompletedTask;
        }

        public void Register(IServiceCollection services)
        {
            foreach (var key in services.ReplyRouteKinds().SenderKeys)
            {
                services.AddKeyedSingleton<IReplySender>(key, this);
            }
        }
    }
}
