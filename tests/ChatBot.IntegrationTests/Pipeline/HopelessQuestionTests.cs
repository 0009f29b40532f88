using System.Diagnostics;
using ChatBot.Inference;
using ChatBot.IntegrationTests.Infrastructure;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace ChatBot.IntegrationTests.Pipeline;

/// <summary>
/// Failures that can never succeed are settled at once through the real host: an over-long question is answered
/// with the too-long text at intake (no model, no charge), and a prompt the engine rejects is not retried.
/// </summary>
public sealed class HopelessQuestionTests : IDisposable
{
    private readonly RecordingReplySender _replies = new();
    private readonly CountingChatClient.Counter _inferences = new();
    private readonly ChatBotApp _app;

    public HopelessQuestionTests()
    {
        _app = new ChatBotApp().WithServices(_replies.Register).With("Inference:WarmUp", "false")
            .WithServices(services => services.AddSingleton<IChatClient>(provider =>
                new CountingChatClient(provider.GetRequiredService<LocalInference>().Client, _inferences)));
        // One question a day: a charge taken by the hopeless question would leave the next one over quota.
        _app.WriteQuotas("""{ "timeZone": "Asia/Shanghai", "dailyLimit": 1 }""");
    }

    public void Dispose() => _app.Dispose();

    [Fact]
    public async Task A_20000_character_question_gets_the_too_long_text_at_once_with_no_model_call_and_no_charge()
    {
        var client = _app.Start();
        var watch = Stopwatch.StartNew();
        await client.PostAsync(PlatformCallbacks.App("long-1", new string('a', 20_000), user: "verbose"));
        await QuotaIntakeTests.WaitUntil(() => _replies.Sent.Count == 1, 10);
        var took = watch.Elapsed;

        Assert.Equal("问题太长了（超过 1000 字），请精简后再问。Your question is over 1000 characters; please shorten it and ask again.", _replies.Sent[0].Text);
        // "At once" is: before the first of Hangfire's retries (which waits at least 5 s) could have come — not a speed
        // claim, which a loaded machine's stalls would make flaky; speed is measured in bench/.
        Assert.True(took < TimeSpan.FromSeconds(5), $"told after {took.TotalSeconds:F2} s");
        Assert.Equal(0, _inferences.Value);
        Assert.DoesNotContain(_app.Logs.Lines, l => l.EventId is 1202 or 1203);

        // Nothing was charged: the day's one question is still there.
        await client.PostAsync(PlatformCallbacks.App("long-2", "你好", user: "verbose"));
        await QuotaIntakeTests.WaitUntil(() => _replies.Sent.Count == 2, 30);
        Assert.DoesNotContain("今天的提问次数已用完", _replies.Sent[1].Text, StringComparison.Ordinal);
        Assert.Equal(1, _inferences.Value);
    }

    [Fact]
    public async Task A_prompt_the_engine_rejects_is_settled_after_one_attempt_and_refunded()
    {
        // Intake lets it through; the engine's 512-token sequences (1024 / 2) cannot hold it.
        var client = _app.With("Answers:MaxQuestionChars", "5000").Start();
        await client.PostAsync(PlatformCallbacks.App("ctx-1", string.Concat(Enumerable.Repeat("年假怎么算，病假怎么算？", 200)), user: "essayist"));
        await QuotaIntakeTests.WaitUntil(() => _replies.Sent.Count == 1, 30);

        Assert.StartsWith("抱歉，系统暂时无法回答", _replies.Sent[0].Text, StringComparison.Ordinal);
        Assert.Contains(_app.Logs.Lines, l => l.EventId == 1208 && l.Line.Contains("ArgumentException", StringComparison.Ordinal));
        Assert.DoesNotContain(_app.Logs.Lines, l => l.EventId == 1202); // never "Hangfire retries it"
        Assert.Equal(1, _inferences.Value);

        // Refunded: the day's one question is still there.
        await client.PostAsync(PlatformCallbacks.App("ctx-2", "你好", user: "essayist"));
        await QuotaIntakeTests.WaitUntil(() => _replies.Sent.Count == 2, 30);
        Assert.DoesNotContain("今天的提问次数已用完", _replies.Sent[1].Text, StringComparison.Ordinal);
    }
}

/// <summary>A question older than Answers:MaxQueueAge is not answered: refunded, and its asker told once.</summary>
public sealed class ExpiredQuestionTests
{
    [Fact]
    public async Task Questions_older_than_the_maximum_age_are_refunded_and_their_asker_is_told_once_without_waiting_for_the_model()
    {
        var replies = new RecordingReplySender();
        var inferences = new CountingChatClient.Counter();
        // The model stays "loading" until the test ends: an expiry needs no model, so nothing may wait for it.
        using var loaded = new ManualResetEventSlim();
        // The only worker is held on another user's /help reply while the two questions are queued behind it: a backlog,
        // as after an outage. Without it a warm process took a question from the queue within the millisecond of age
        // allowed here, answered it, and waited on the model for ever (the failure seen in full runs, never alone).
        var busy = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        replies.BeforeSend = message =>
        {
            if (message.SenderId != "busy")
            {
                return Task.CompletedTask;
            }

            busy.TrySetResult();
            return release.Task;
        };
        using var app = new ChatBotApp().WithServices(replies.Register).With("Inference:WarmUp", "false")
            .With("Answers:MaxQueueAge", "00:00:00.001").With("Queue:WorkerCount", "1")
            .WithServices(services => services.AddSingleton<IChatClient>(provider =>
            {
                loaded.Wait();
                return new CountingChatClient(provider.GetRequiredService<LocalInference>().Client, inferences);
            }));
        app.WriteQuotas("""{ "timeZone": "Asia/Shanghai", "dailyLimit": 5 }""");
        try
        {
            var client = app.Start();
            Assert.Equal(System.Net.HttpStatusCode.OK, await client.DeliverAsync(PlatformCallbacks.App("busy-1", "/help", user: "busy")));
            await busy.Task.WaitAsync(TimeSpan.FromSeconds(30));

            Assert.Equal(System.Net.HttpStatusCode.OK, await client.DeliverAsync(PlatformCallbacks.App("old-1", "年假怎么算", user: "patient")));
            Assert.Equal(System.Net.HttpStatusCode.OK, await client.DeliverAsync(PlatformCallbacks.App("old-2", "病假怎么算", user: "patient")));
            await Task.Delay(50); // both are now surely older than a millisecond
            release.SetResult();
            await QuotaIntakeTests.WaitUntil(() => app.Logs.Lines.Count(l => l.EventId == 1215) >= 2, 30, () => Queue(app) + "\n" + app.Logs.Tail());
            await Task.Delay(500);

            Assert.Equal(2, app.Logs.Lines.Count(l => l.EventId == 1215)); // each expired once, not once per attempt
            var notice = Assert.Single(replies.Sent, s => s.Message.SenderId == "patient");
            Assert.StartsWith("抱歉，刚才系统繁忙，你之前的提问等待太久已取消", notice.Text, StringComparison.Ordinal);
            Assert.Equal(0, inferences.Value);
            var standing = await app.Services.GetRequiredService<ChatBot.Core.Quotas.QuotaGate>()
                .StandingAsync(ChatBot.Core.Messages.Platform.WeCom, "patient", null, CancellationToken.None);
            Assert.Equal(0, standing.Used);
            await QuotaIntakeTests.WaitUntil(() => app.AuditLines.Count(l => l.Contains("\"outcome\":\"expired\"", StringComparison.Ordinal)) == 2, 10);
        }
        finally
        {
            release.TrySetResult();
            loaded.Set();
        }
    }

    /// <summary>Where the queue's jobs are, for the failure message: the job that was never run was never seen anywhere.</summary>
    private static string Queue(ChatBotApp app)
    {
        var monitor = app.Services.GetRequiredService<Hangfire.JobStorage>().GetMonitoringApi();
        var servers = monitor.Servers().Select(s => $"{s.Name}: {s.WorkersCount} workers, beat {s.Heartbeat:HH:mm:ss.fff}");
        return $"queue: enqueued {monitor.EnqueuedCount("default")}, fetched {monitor.FetchedCount("default")}, processing {monitor.ProcessingCount()}, "
            + $"scheduled {monitor.ScheduledCount()}, failed {monitor.FailedCount()}, deleted {monitor.DeletedListCount()}; servers: {string.Join("; ", servers)}; "
            + $"processing jobs: {string.Join(", ", monitor.ProcessingJobs(0, 10).Select(j => $"{j.Key} since {j.Value.StartedAt:HH:mm:ss.fff}"))}";
    }
}
