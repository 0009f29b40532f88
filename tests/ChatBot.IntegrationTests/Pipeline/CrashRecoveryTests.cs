using System.Diagnostics;
using System.Net;
using ChatBot.IntegrationTests.Fakes;
using ChatBot.IntegrationTests.Infrastructure;
using ChatBot.Tests.Shared;

namespace ChatBot.IntegrationTests.Pipeline;

/// <summary>
/// Crashes on Redis storage: an instance killed with SIGKILL mid-job, and Redis restarted with and without its
/// append-only file. Acknowledged messages are answered anyway, once, within a minute.
/// </summary>
public sealed class CrashRecoveryTests(Xunit.Abstractions.ITestOutputHelper output)
{
    [Fact]
    public async Task An_instance_killed_mid_job_has_its_answer_delivered_by_another_within_a_minute_once_without_inferring_again()
    {
        var redis = RedisServer.IsolatedDatabase();
        await using var wecom = new FakeWeCom(ChatBotApp.CorpId, "test-app-secret", ChatBotApp.AgentId);
        await wecom.StartAsync();
        // The token passes; the first message/send is held, so the killed instance dies inside its send.
        wecom.Inject(Fault.Delay(0), Fault.Delay(120_000));
        var config = Directory.CreateTempSubdirectory("chatbot-crash").FullName;
        var settings = BotProcess.SharedRedisSettings(redis, config);
        BotProcess.WithWeComApp(settings, wecom.BaseUrl);
        using var doomed = BotProcess.Start(settings, config);
        await doomed.WaitUntilAliveAsync(TimeSpan.FromSeconds(60));
        using var client = new HttpClient { BaseAddress = doomed.BaseUrl };
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync(PlatformCallbacks.App("41001", "a question before the crash", user: "survivor"))).StatusCode);
        await QuotaIntakeTests.WaitUntil(() => wecom.Requests >= 2, 60);

        using var heir = new ChatBotApp()
            .With("Redis:ConnectionString", redis).With("Queue:EnvelopeKey", SlowRedisTests.EnvelopeKey)
            .With("WeCom:ApiBaseUrl", wecom.BaseUrl.ToString()).With("Inference:WarmUp", "false");
        heir.Start();
        doomed.KillHard();
        var sinceKill = Stopwatch.StartNew();

        await QuotaIntakeTests.WaitUntil(() => !wecom.AppMessages.IsEmpty, 90);
        var delivered = sinceKill.Elapsed;
        output.WriteLine($"answer delivered {delivered.TotalSeconds:F1} s after kill -9");
        Assert.True(delivered < TimeSpan.FromSeconds(60), $"delivered {delivered.TotalSeconds:F0} s after kill -9");
        Assert.Contains(heir.Logs.Lines, l => l.EventId == 1401); // rescued from the dead server
        Assert.Contains(heir.Logs.Lines, l => l.EventId == 1209); // the kept answer, not a second inference
        Assert.Equal("survivor", Assert.Single(wecom.AppMessages).User);
        Directory.Delete(config, recursive: true);
    }

    [Fact]
    public async Task An_instance_killed_mid_answer_has_it_continued_by_another_from_the_words_it_kept_and_delivered_once()
    {
        var redis = RedisServer.IsolatedDatabase();
        await using var wecom = new FakeWeCom(ChatBotApp.CorpId, "test-app-secret", ChatBotApp.AgentId);
        await wecom.StartAsync();
        var config = Directory.CreateTempSubdirectory("chatbot-crash").FullName;
        var settings = BotProcess.SharedRedisSettings(redis, config);
        // A long answer (about 4 s on the tiny model), so the kill lands in the middle of its generation.
        (settings["Inference:MaxNewTokens"], settings["Inference:ContextSize"], settings["Inference:ParallelSequences"]) = ("1500", "4096", "1");
        BotProcess.WithWeComApp(settings, wecom.BaseUrl);
        using var doomed = BotProcess.Start(settings, config);
        await doomed.WaitUntilAliveAsync(TimeSpan.FromSeconds(60));
        using var heir = new ChatBotApp()
            .With("Redis:ConnectionString", redis).With("Queue:EnvelopeKey", SlowRedisTests.EnvelopeKey)
            .With("Inference:MaxNewTokens", "1500").With("Inference:ContextSize", "4096").With("Inference:ParallelSequences", "1")
            .With("WeCom:ApiBaseUrl", wecom.BaseUrl.ToString()).With("Inference:WarmUp", "false");
        using var client = new HttpClient { BaseAddress = doomed.BaseUrl };
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync(PlatformCallbacks.App("41101", "a long question before the crash", user: "midway"))).StatusCode);

        // The words so far, kept sealed in the job's record while the model writes: the moment they are there, kill.
        using var mux = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(redis + ",allowAdmin=true");
        var db = mux.GetDatabase();
        var server = mux.GetServer(mux.GetEndPoints()[0]);
        var database = StackExchange.Redis.ConfigurationOptions.Parse(redis).DefaultDatabase ?? 0;
        string? job = null;
        await QuotaIntakeTests.WaitUntil(() =>
        {
            job = server.Keys(database, "chatbot:hangfire:job:*").Select(k => k.ToString())
                .FirstOrDefault(k => k.Count(c => c == ':') == 3 && db.HashExists(k, "partial"));
            return job is not null;
        }, 60);
        doomed.KillHard();
        var sinceKill = Stopwatch.StartNew();
        Assert.False(db.HashExists(job!, "answer"), "killed before the answer was whole");
        Assert.Empty(wecom.AppMessages);

        // Only now a worker that can take the job over; it must see the dead one's heartbeat stand still itself.
        heir.Start();
        var sealer = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<ChatBot.Core.Queue.EnvelopeSealer>(heir.Services);
        var kept = System.Text.Encoding.UTF8.GetString(sealer.OpenBytes(System.Text.Json.JsonSerializer.Deserialize<string>((string)db.HashGet(job!, "partial")!)!));
        Assert.NotEmpty(kept);

        await QuotaIntakeTests.WaitUntil(() => heir.Logs.Lines.Any(l => l.EventId == 1200), 90);
        output.WriteLine($"answer delivered {sinceKill.Elapsed.TotalSeconds:F1} s after kill -9; {kept.Length} chars were kept");
        Assert.Contains(heir.Logs.Lines, l => l.EventId == 1401);
        var continued = Assert.Single(heir.Logs.Lines, l => l.EventId == 1219);
        Assert.Contains($"the {kept.Length} chars", continued.Line, StringComparison.Ordinal);
        await Task.Delay(1000);
        var parts = wecom.AppMessages.ToList();
        Assert.All(parts, p => Assert.Equal("midway", p.User));
        Assert.Equal(parts.Count, parts.Select(p => p.Content).Distinct().Count()); // no part twice
        Assert.True(parts.Sum(p => p.Content.Length) >= kept.Length, "the answer delivered carries what was kept and more");
        Directory.Delete(config, recursive: true);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Acknowledged_messages_survive_a_redis_restart_only_with_the_append_only_file(bool appendOnly)
    {
        using var redis = RedisServer.StartOwn(appendOnly);
        var replies = new RecordingReplySender();
        using (var intake = new ChatBotApp().With("Redis:ConnectionString", redis.Endpoint).With("Queue:EnvelopeKey", SlowRedisTests.EnvelopeKey)
                   .With("Queue:RunWorkers", "false"))
        {
            var client = intake.Start();
            for (var i = 0; i < 5; i++)
            {
                Assert.Equal(HttpStatusCode.OK, (await client.PostAsync(PlatformCallbacks.App($"{42000 + i}", "queued before the restart", user: $"u{i}"))).StatusCode);
            }

            await QuotaIntakeTests.WaitUntil(() => intake.Logs.Lines.Any(l => l.EventId is 1410 or 1411));
            Assert.Contains(intake.Logs.Lines, l => l.EventId == (appendOnly ? 1411 : 1410));
            if (!appendOnly)
            {
                // This Redis runs with save "": the warning says it keeps nothing, not that it keeps snapshots.
                Assert.Contains(intake.Logs.Lines, l => l.EventId == 1410 && l.Line.Contains("keeps nothing", StringComparison.Ordinal));
            }
        }

        redis.Stop(); // SIGKILL: no shutdown save
        redis.Start();
        using var worker = new ChatBotApp().WithServices(replies.Register).With("Redis:ConnectionString", redis.Endpoint)
            .With("Queue:EnvelopeKey", SlowRedisTests.EnvelopeKey).With("Inference:WarmUp", "false");
        worker.Start();

        if (appendOnly)
        {
            await QuotaIntakeTests.WaitUntil(() => replies.Sent.Count == 5, 60);
            await Task.Delay(1000);
            Assert.Equal(5, replies.Sent.Count);
        }
        else
        {
            await Task.Delay(TimeSpan.FromSeconds(6));
            Assert.Empty(replies.Sent); // what the warning at start is about
        }
    }
}
