using System.Net;
using ChatBot.Host.Cli;
using ChatBot.IntegrationTests.Fakes;
using ChatBot.IntegrationTests.Infrastructure;
using ChatBot.IntegrationTests.Pipeline;
using ChatBot.Tests.Shared;

namespace ChatBot.IntegrationTests.EndToEnd;

/// <summary>
/// DingTalk Stream mode against a fake gateway that behaves like DingTalk's (tickets, acks by messageId on the same
/// socket, redelivery with a new frame id, ping, disconnect), with the tiny model and replies by sessionWebhook.
/// </summary>
public sealed class DingTalkStreamTests : IAsyncLifetime
{
    private readonly FakeDingTalk _dingtalk = new(ChatBotApp.DingTalkClientId, ChatBotApp.DingTalkSecret) { RedeliverAfter = TimeSpan.FromSeconds(2) };
    private readonly List<ChatBotApp> _apps = [];

    public Task InitializeAsync() => _dingtalk.StartAsync();

    public async Task DisposeAsync()
    {
        foreach (var app in _apps)
        {
            app.Dispose();
        }

        await _dingtalk.DisposeAsync();
    }

    private ChatBotApp App(string? secret = null)
    {
        var app = new ChatBotApp()
            .With("DingTalk:Mode", "Stream")
            .With("DingTalk:ApiBaseUrl", _dingtalk.BaseUrl.ToString())
            .With("DingTalk:AllowedReplyHosts:0", "127.0.0.1")
            .With("DingTalk:StreamKeepAlive", "00:00:10"); // a killed socket is reset at once; a short keep-alive only adds a stall-made reconnect
        if (secret is not null)
        {
            app.With("DingTalk:ClientSecret", secret);
        }

        _apps.Add(app);
        return app;
    }

    private byte[] Message(string msgId, string text, string session = "s1") =>
        SimulatedCallback.DingTalkBody(msgId, "wangwu", text, null, DateTimeOffset.UtcNow, _dingtalk.Webhook(session), ChatBotApp.DingTalkClientId);

    [Fact]
    public async Task A_push_is_answered_once_by_webhook_and_a_redelivery_with_a_new_frame_id_is_not_answered_again()
    {
        var client = App().Start();
        await QuotaIntakeTests.WaitUntil(() => _dingtalk.LiveConnections == 1);

        var first = await _dingtalk.PushAsync(Message("st-1", "你好"));
        await QuotaIntakeTests.WaitUntil(() => _dingtalk.WebhookMessages.Count == 1, 60);
        var again = await _dingtalk.PushAsync(Message("st-1", "你好"));
        await QuotaIntakeTests.WaitUntil(() => _dingtalk.Acks.ContainsKey(again));
        await Task.Delay(1000);

        Assert.Single(_dingtalk.WebhookMessages);
        Assert.True(_dingtalk.Acks[first].SameSocket);
        // Stream mode has no callback route to attack.
        Assert.Equal(HttpStatusCode.NotFound, (await client.PostAsync(new Uri("/dingtalk/callback", UriKind.Relative), null)).StatusCode);
        var ready = await client.GetAsync(new Uri("/readyz", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Contains("\"dingtalk-stream\":\"connected since", await ready.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_ack_comes_from_intake_not_from_the_answer_and_a_push_intake_cannot_take_is_left_for_redelivery()
    {
        var app = App().WithRecordingQueue();
        app.Start();
        await QuotaIntakeTests.WaitUntil(() => _dingtalk.LiveConnections == 1);

        // The queue records and never answers: the ack cannot have waited for an answer.
        var taken = await _dingtalk.PushAsync(Message("ack-1", "年假怎么算"));
        await QuotaIntakeTests.WaitUntil(() => _dingtalk.Acks.ContainsKey(taken));
        Assert.Single(app.Queue!.Queued);
        Assert.Empty(_dingtalk.WebhookMessages);

        // The queue is down: no ack, so DingTalk delivers again (a new frame id); once it is back the message is taken once.
        app.Queue.Fail = true;
        var refused = await _dingtalk.PushAsync(Message("ack-2", "病假怎么请"));
        await Task.Delay(1000);
        Assert.False(_dingtalk.Acks.ContainsKey(refused));
        app.Queue.Fail = false;
        await QuotaIntakeTests.WaitUntil(() => _dingtalk.Redeliveries >= 1 && app.Queue.Queued.Count == 2);
        Assert.Equal(["ack-1", "ack-2"], app.Queue.Queued.Select(q => q.Message.MessageId));
    }

    [Fact]
    public async Task Disconnect_opens_a_new_connection_with_a_new_ticket_and_nothing_is_lost()
    {
        App().Start();
        await QuotaIntakeTests.WaitUntil(() => _dingtalk.LiveConnections == 1);
        await _dingtalk.PingAllAsync("op-1");
        await QuotaIntakeTests.WaitUntil(() => _dingtalk.PingAcks.Contains("op-1"));

        await _dingtalk.DisconnectAllAsync(closeAfter: TimeSpan.FromSeconds(3));
        await QuotaIntakeTests.WaitUntil(() => _dingtalk.Opens == 2 && _dingtalk.LiveConnections == 1, 10);
        await _dingtalk.PushAsync(Message("dc-1", "你好", session: "s-dc"));

        await QuotaIntakeTests.WaitUntil(() => _dingtalk.WebhookMessages.Count == 1, 60);
        Assert.Equal("s-dc", _dingtalk.WebhookMessages.Single().Session);
    }

    [Fact]
    public async Task A_socket_killed_before_its_ack_reconnects_and_the_message_is_answered_exactly_once()
    {
        App().Start();
        await QuotaIntakeTests.WaitUntil(() => _dingtalk.LiveConnections == 1);

        await _dingtalk.PushAsync(Message("kill-1", "你好", session: "s-kill"));
        _dingtalk.KillConnections();
        await QuotaIntakeTests.WaitUntil(() => _dingtalk.Opens >= 2 && _dingtalk.LiveConnections == 1, 15);
        await QuotaIntakeTests.WaitUntil(() => _dingtalk.WebhookMessages.Count == 1, 60);
        // Past the redelivery time: a redelivery of the unacknowledged push, if any, met the dedupe claim.
        await Task.Delay(3000);

        Assert.Single(_dingtalk.WebhookMessages);
    }

    [Fact]
    public async Task Refused_opens_back_off_and_every_attempt_gets_a_fresh_ticket()
    {
        _dingtalk.Inject(Fault.Http(503), Fault.Http(503));
        var started = DateTime.UtcNow;
        App().Start();
        await QuotaIntakeTests.WaitUntil(() => _dingtalk.LiveConnections == 1, 20);

        // Two refused opens (the faults answer before the gateway does), then one that issues a single-use ticket;
        // the waits between were 1 s and 2 s plus jitter. The fourth request is the WebSocket upgrade.
        Assert.Equal(4, _dingtalk.Requests);
        Assert.Equal(1, _dingtalk.Opens);
        Assert.True(DateTime.UtcNow - started >= TimeSpan.FromSeconds(3), "the retries backed off");
    }

    [Fact]
    public void The_reconnect_delay_grows_is_jittered_and_is_capped_at_a_minute()
    {
        var delays = Enumerable.Range(0, 12).Select(n => Enumerable.Range(0, 20).Select(_ => ChatBot.Core.Connections.ReconnectBackoff.Delay(n, ChatBot.DingTalk.LongConnection.DingTalkStreamClient.MaxBackoff)).ToList()).ToList();

        Assert.All(delays, d => Assert.True(d.Distinct().Count() > 1, "jittered"));
        Assert.True(delays[3].Min() > delays[1].Max(), "grows");
        Assert.All(delays.SelectMany(d => d), d => Assert.True(d <= TimeSpan.FromSeconds(61)));
        Assert.True(delays[11].Min() >= TimeSpan.FromSeconds(60), "reaches the cap and stays there");
    }

    [Fact]
    public async Task Bad_credentials_name_the_keys_in_the_log_and_in_readyz_without_the_secret()
    {
        var app = App(secret: "wrong-secret-value");
        var client = app.Start();
        await QuotaIntakeTests.WaitUntil(() => app.Logs.Lines.Any(l => l.EventId == 3027));

        var ready = await client.GetAsync(new Uri("/readyz", UriKind.Relative));
        var body = await ready.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Contains("DingTalk:ClientSecret", body, StringComparison.Ordinal);
        Assert.Contains(app.Logs.Lines, l => l.EventId == 3027 && l.Line.Contains("authFailed", StringComparison.Ordinal) && l.Line.Contains("DingTalk:ClientId", StringComparison.Ordinal));
        Assert.DoesNotContain(app.Logs.Lines, l => l.Line.Contains("wrong-secret-value", StringComparison.Ordinal));
        Assert.DoesNotContain("wrong-secret-value", body, StringComparison.Ordinal);
    }
}

/// <summary>Two instances on one Redis, each with its own Stream connection: pushes spread at random, each answered once.</summary>
public sealed class DingTalkStreamScaleOutTests
{
    [Fact]
    public async Task Two_instances_on_one_Redis_answer_each_push_once_wherever_it_and_its_redelivery_land()
    {
        var redis = RedisServer.IsolatedDatabase();
        await using var dingtalk = new FakeDingTalk(ChatBotApp.DingTalkClientId, ChatBotApp.DingTalkSecret);
        await dingtalk.StartAsync();
        var config = Directory.CreateTempSubdirectory("chatbot-stream2").FullName;
        var settings = BotProcess.SharedRedisSettings(redis, config);
        settings["DingTalk:Mode"] = "Stream";
        settings["DingTalk:ApiBaseUrl"] = dingtalk.BaseUrl.ToString();
        settings["DingTalk:AllowedReplyHosts:0"] = "127.0.0.1";
        settings["DingTalk:ClientId"] = ChatBotApp.DingTalkClientId;
        settings["DingTalk:ClientSecret"] = ChatBotApp.DingTalkSecret;
        using var other = BotProcess.Start(settings, config);
        using var local = new ChatBotApp()
            .With("Redis:ConnectionString", redis).With("Queue:EnvelopeKey", SlowRedisTests.EnvelopeKey)
            .With("DingTalk:Mode", "Stream").With("DingTalk:ApiBaseUrl", dingtalk.BaseUrl.ToString())
            .With("DingTalk:AllowedReplyHosts:0", "127.0.0.1").With("Inference:WarmUp", "false");
        local.Start();
        await other.WaitUntilAliveAsync(TimeSpan.FromSeconds(60));
        await QuotaIntakeTests.WaitUntil(() => dingtalk.LiveConnections == 2, 30);

        for (var i = 0; i < 12; i++)
        {
            var message = SimulatedCallback.DingTalkBody($"two-{i}", $"user{i}", "你好", null, DateTimeOffset.UtcNow, dingtalk.Webhook($"s-{i}"), ChatBotApp.DingTalkClientId);
            await dingtalk.PushAsync(message);
            await dingtalk.PushAsync(message); // the redelivery, with a new frame id, to a random connection
        }

        // Twelve askers on two instances of two sequences each: some are told their place in line first.
        var answers = () => dingtalk.WebhookMessages.Where(m => !LineNotices.Is(m.Content)).ToList();
        await QuotaIntakeTests.WaitUntil(() => answers().Count >= 12, 120);
        await Task.Delay(2000);

        Assert.Equal(12, answers().Count);
        Assert.Equal(12, answers().Select(m => m.Session).Distinct().Count());
        Assert.Equal(2, dingtalk.PushesByConnection.Count);
        Directory.Delete(config, recursive: true);
    }
}
