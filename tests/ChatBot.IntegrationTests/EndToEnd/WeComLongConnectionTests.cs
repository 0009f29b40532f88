using System.Net;
using ChatBot.Inference;
using ChatBot.IntegrationTests.Fakes;
using ChatBot.IntegrationTests.Infrastructure;
using ChatBot.IntegrationTests.Pipeline;
using ChatBot.Tests.Shared;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace ChatBot.IntegrationTests.EndToEnd;

/// <summary>
/// The WeCom AI bot's long connection against a fake that enforces WeCom's rules (subscribe first, one connection per
/// bot, serial frames per req_id, constant stream id, the window), with the tiny model.
/// </summary>
public sealed class WeComLongConnectionTests : IAsyncLifetime
{
    private const string BotId = "aibLongConn01";
    private const string Secret = "long-connection-secret-value";
    private readonly FakeWeComLongConnection _wecom = new(BotId, Secret);
    private readonly List<ChatBotApp> _apps = [];

    public Task InitializeAsync() => _wecom.StartAsync();

    public async Task DisposeAsync()
    {
        foreach (var app in _apps)
        {
            app.Dispose();
        }

        await _wecom.DisposeAsync();
    }

    private ChatBotApp App(string secret = Secret)
    {
        var app = new ChatBotApp()
            .With("WeCom:AiBot:Mode", "LongConnection")
            .With("WeCom:AiBot:BotId", BotId)
            .With("WeCom:AiBot:Secret", secret)
            .With("WeCom:AiBot:LongConnectionUrl", _wecom.Url.ToString())
            .With("WeCom:AiBot:Heartbeat", "00:00:03"); // short enough to see pings; long enough that a stall is not two missed
        _apps.Add(app);
        return app;
    }

    [Fact]
    public async Task A_message_is_streamed_back_on_its_req_id_once_with_heartbeats_and_no_callback_route()
    {
        _wecom.AckDelay = TimeSpan.FromMilliseconds(50);
        var client = App().Start();
        await QuotaIntakeTests.WaitUntil(() => _wecom.Connected);

        await _wecom.PushAsync("lc-1", "zhangsan", "你好");
        await QuotaIntakeTests.WaitUntil(() => !_wecom.Answers.IsEmpty, 60);
        await QuotaIntakeTests.WaitUntil(() => _wecom.Pings >= 2, 30);
        await Task.Delay(1000);

        var (chat, content, how) = Assert.Single(_wecom.Answers);
        Assert.Equal(("zhangsan", "stream"), (chat, how));
        Assert.NotEmpty(content);
        Assert.Empty(_wecom.Refusals);
        Assert.Equal(0, _wecom.NonCumulative);
        Assert.Equal(1, _wecom.Subscribes);
        Assert.Equal(HttpStatusCode.NotFound, (await client.PostAsync(new Uri("/wecom/aibot/callback", UriKind.Relative), null)).StatusCode);
        var ready = await (await client.GetAsync(new Uri("/readyz", UriKind.Relative))).Content.ReadAsStringAsync();
        Assert.Contains("\"wecom-aibot-long-connection\":\"connected since", ready, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Malformed_frames_are_passed_over_and_the_connection_stays_up()
    {
        App().Start();
        await QuotaIntakeTests.WaitUntil(() => _wecom.Connected);

        foreach (var frame in new[]
        {
            "not json", "[]", "{\"cmd\":5}", "{\"cmd\":\"aibot_msg_callback\",\"headers\":\"x\",\"body\":{}}",
            "{\"cmd\":\"aibot_msg_callback\",\"headers\":{\"req_id\":7},\"body\":[]}", "{\"headers\":{\"req_id\":[1]},\"errcode\":1.5}",
            "{\"cmd\":\"aibot_event_callback\",\"headers\":{\"req_id\":\"r1\"},\"body\":{\"event\":{\"eventtype\":5}}}",
            "{\"cmd\":\"aibot_msg_callback\",\"headers\":{\"req_id\":\"r2\"},\"body\":{\"msgid\":\"m\",\"msgtype\":\"text\",\"from\":\"u\"}}",
        })
        {
            await _wecom.PushRawAsync(frame);
        }

        await _wecom.PushAsync("lc-after-noise", "wangwu", "你好");
        await QuotaIntakeTests.WaitUntil(() => !_wecom.Answers.IsEmpty, 60);

        Assert.Equal("wangwu", Assert.Single(_wecom.Answers).ChatId);
        Assert.Equal(1, _wecom.Subscribes); // never dropped and subscribed again
    }

    [Fact]
    public async Task Enter_chat_on_the_long_connection_is_welcomed_on_its_own_req_id_within_5_seconds()
    {
        App().Start();
        await QuotaIntakeTests.WaitUntil(() => _wecom.Connected, 20);

        await _wecom.PushEnterChatAsync("newcomer");

        await QuotaIntakeTests.WaitUntil(() => !_wecom.Welcomes.IsEmpty, 10);
        var (user, content, after) = Assert.Single(_wecom.Welcomes);
        Assert.Equal("newcomer", user);
        Assert.Contains("不会保存", content, StringComparison.Ordinal);
        Assert.True(after < TimeSpan.FromSeconds(5));
        Assert.Empty(_wecom.Refusals);
    }

    [Fact]
    public async Task A_socket_killed_mid_answer_reconnects_and_the_answer_arrives_once()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        App().WithServices(services => services.AddSingleton<IChatClient>(provider =>
            new GatedChatClient(provider.GetRequiredService<LocalInference>().Client, () => gate.Task))).Start();
        await QuotaIntakeTests.WaitUntil(() => _wecom.Connected);

        await _wecom.PushAsync("lc-kill", "lisi", "你好");
        await Task.Delay(700); // the stream is open (its first frame sent); the model is held
        _wecom.Kill();
        gate.SetResult();
        await QuotaIntakeTests.WaitUntil(() => _wecom.Subscribes == 2, 20);
        await QuotaIntakeTests.WaitUntil(() => !_wecom.Answers.IsEmpty, 60);
        await Task.Delay(1000);

        // The req_id belonged to the dead connection: the whole answer went by aibot_send_msg instead.
        var (chat, content, how) = Assert.Single(_wecom.Answers);
        Assert.Equal(("lisi", "aibot_send_msg"), (chat, how));
        Assert.NotEmpty(content);
    }

    [Fact]
    public async Task Disconnected_event_means_another_client_took_the_bot_and_it_does_not_fight_back()
    {
        var client = App().Start();
        await QuotaIntakeTests.WaitUntil(() => _wecom.Connected);

        await _wecom.KickAsync();
        await Task.Delay(4000);

        Assert.Equal(2, _wecom.Subscribes); // ours, then the other client's; no third
        var ready = await client.GetAsync(new Uri("/readyz", UriKind.Relative));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Contains("disconnected_event", await ready.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_wrong_secret_is_named_in_the_log_and_readyz_without_its_value()
    {
        var app = App(secret: "not-the-right-secret");
        var client = app.Start();
        await QuotaIntakeTests.WaitUntil(() => app.Logs.Lines.Any(l => l.EventId == 2301));

        var ready = await client.GetAsync(new Uri("/readyz", UriKind.Relative));
        var body = await ready.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Contains("853000", body, StringComparison.Ordinal);
        Assert.Contains("WeCom:AiBot:Secret", body, StringComparison.Ordinal);
        Assert.DoesNotContain(app.Logs.Lines, l => l.Line.Contains("not-the-right-secret", StringComparison.Ordinal));
    }
}

/// <summary>Two instances on one Redis: one holds the bot's one connection, the other's worker answers, and takes over after kill -9.</summary>
public sealed class WeComLongConnectionScaleOutTests(Xunit.Abstractions.ITestOutputHelper output)
{
    [Fact]
    public async Task One_instance_holds_the_connection_another_s_worker_answers_and_after_kill_9_the_other_takes_over_and_delivers_what_was_owed()
    {
        var redis = RedisServer.IsolatedDatabase();
        await using var wecom = new FakeWeComLongConnection("aibScaleOut01", "scale-out-secret");
        await wecom.StartAsync();
        var config = Directory.CreateTempSubdirectory("chatbot-lc2").FullName;
        var settings = BotProcess.SharedRedisSettings(redis, config);
        settings["WeCom:AiBot:Mode"] = "LongConnection";
        settings["WeCom:AiBot:BotId"] = "aibScaleOut01";
        settings["WeCom:AiBot:Secret"] = "scale-out-secret";
        settings["WeCom:AiBot:LongConnectionUrl"] = wecom.Url.ToString();
        settings["Queue:RunWorkers"] = "false"; // the holder takes messages in; the other instance answers them
        using var holder = BotProcess.Start(settings, config);
        await holder.WaitUntilAliveAsync(TimeSpan.FromSeconds(60));
        await QuotaIntakeTests.WaitUntil(() => wecom.Connected, 30);

        var gate = Task.CompletedTask;
        var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var other = new ChatBotApp()
            .With("Redis:ConnectionString", redis).With("Queue:EnvelopeKey", SlowRedisTests.EnvelopeKey)
            .With("WeCom:AiBot:Mode", "LongConnection").With("WeCom:AiBot:BotId", "aibScaleOut01").With("WeCom:AiBot:Secret", "scale-out-secret")
            .With("WeCom:AiBot:LongConnectionUrl", wecom.Url.ToString()).With("Inference:WarmUp", "false")
            .WithServices(services => services.AddSingleton<IChatClient>(provider =>
                new GatedChatClient(provider.GetRequiredService<LocalInference>().Client, () =>
                {
                    if (!gate.IsCompleted)
                    {
                        reached.TrySetResult();
                    }

                    return gate;
                })));
        var client = other.Start();

        // The holder streams what the other instance's worker produced.
        await wecom.PushAsync("two-1", "wangwu", "你好");
        await QuotaIntakeTests.WaitUntil(() => wecom.Answers.Count == 1, 60);
        Assert.Equal("stream", wecom.Answers.Single().How);
        Assert.Equal(1, wecom.Subscribes);
        Assert.Contains("standby", await client.GetStringAsync(new Uri("/readyz", UriKind.Relative)), StringComparison.Ordinal);
        // answered here, not on the holder; the worker logs its answer once the send returns, which can be after the
        // holder has streamed it out
        await QuotaIntakeTests.WaitUntil(() => other.Logs.Lines.Any(l => l.EventId == 1200), 10);

        // kill -9 of the holder while an answer is being made: the other instance takes the bot over and delivers it.
        Assert.Equal(0, other.Logs.Lines.Count(l => l.EventId == 2300));
        var hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        gate = hold.Task;
        await wecom.PushAsync("two-2", "zhaoliu", "你好");
        // Killed once the answer is being made (taken in, queued, at the model), not after a fixed pause a loaded
        // machine may not have finished intake in: a message the holder never took in is not the case under test.
        await reached.Task.WaitAsync(TimeSpan.FromSeconds(60));
        holder.KillHard();
        var sinceKill = System.Diagnostics.Stopwatch.StartNew();
        hold.SetResult();
        await QuotaIntakeTests.WaitUntil(() => other.Logs.Lines.Any(l => l.EventId == 2300), 30);
        output.WriteLine($"connection taken over {sinceKill.Elapsed.TotalSeconds:F1} s after kill -9");
        await QuotaIntakeTests.WaitUntil(() => wecom.Answers.Count == 2, 60);
        output.WriteLine($"owed answer delivered {sinceKill.Elapsed.TotalSeconds:F1} s after kill -9");
        await Task.Delay(1000);

        // Its req_id died with the holder's connection: the owed answer went whole, by aibot_send_msg, once.
        Assert.Equal(2, wecom.Answers.Count);
        Assert.Equal(("zhaoliu", "aibot_send_msg"), (wecom.Answers.Last().ChatId, wecom.Answers.Last().How));
        Assert.Equal(2, wecom.Subscribes);
        Directory.Delete(config, recursive: true);
    }
}
