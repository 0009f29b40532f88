using System.Net;
using ChatBot.Core.Queue;
using ChatBot.IntegrationTests.Infrastructure;
using StackExchange.Redis;

namespace ChatBot.IntegrationTests.Pipeline;

/// <summary>
/// Redis slow enough that commands land while their client times out, through a loopback proxy: a message is
/// never lost to a leaked claim, a retry of a message still being decided is told to retry (not acknowledged),
/// and a cut-off enqueue leaves nothing behind that runs or lingers.
/// </summary>
public sealed class SlowRedisTests
{
    public static string EnvelopeKey { get; } = Convert.ToBase64String(System.Text.Encoding.ASCII.GetBytes("slow-redis-tests-envelope-key-32"));

    [Fact]
    public async Task A_claim_that_lands_while_intake_times_out_does_not_swallow_the_retry()
    {
        var redis = RedisServer.IsolatedDatabase();
        await using var proxy = new RedisProxy(RedisServer.Shared.Endpoint);
        using var app = new ChatBotApp().WithRecordingQueue()
            .With("Redis:ConnectionString", redis.Replace(RedisServer.Shared.Endpoint, proxy.Endpoint, StringComparison.Ordinal))
            .With("Queue:EnvelopeKey", EnvelopeKey)
            .With("Intake:Deadline", "00:00:01");
        var client = app.Start();
        var callback = PlatformCallbacks.App("31001", "a question while Redis crawls", user: "patient");

        proxy.ResponseDelay = TimeSpan.FromSeconds(2.5);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await client.PostAsync(callback)).StatusCode);
        proxy.ResponseDelay = TimeSpan.Zero;
        await Task.Delay(TimeSpan.FromSeconds(3)); // the platform retries after ~5 s; Redis has answered everything by then

        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync(callback)).StatusCode);
        Assert.Equal(AnswerKind.Inference, Assert.Single(app.Queue!.Queued).Kind);
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync(callback)).StatusCode);
        Assert.Single(app.Queue.Queued);
    }

    [Fact]
    public async Task A_dingtalk_callback_under_a_slow_redis_is_told_to_retry_inside_its_deadline_header_binding_included()
    {
        var redis = RedisServer.IsolatedDatabase();
        await using var proxy = new RedisProxy(RedisServer.Shared.Endpoint);
        using var app = new ChatBotApp().WithRecordingQueue()
            .With("Redis:ConnectionString", redis.Replace(RedisServer.Shared.Endpoint, proxy.Endpoint, StringComparison.Ordinal))
            .With("Queue:EnvelopeKey", EnvelopeKey);
        var client = app.Start();
        // A first message while Redis is quick, so what is timed below is the deadline, not the first request's JIT
        // (which took up to 1.7 s more on a loaded 2-core machine).
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync(PlatformCallbacks.DingTalk("slow-dt-0", "先问一句", user: "patient-dt"))).StatusCode);

        // Each Redis answer takes 2 s: the header binding alone uses most of the 2.5-s deadline, and intake gets the rest.
        proxy.ResponseDelay = TimeSpan.FromSeconds(2);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var response = await client.PostAsync(PlatformCallbacks.DingTalk("slow-dt-1", "年假怎么算", user: "patient-dt"));
        var took = watch.Elapsed;
        proxy.ResponseDelay = TimeSpan.Zero;

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        // The intake deadline is 2.5 s; the bound leaves a loaded machine 1 s for the 503 itself to be written and read
        // (CI stalls of 0.5 s are common). Not binding the header inside the deadline takes 4.5 s, waiting on Redis 4 s.
        Assert.True(took < TimeSpan.FromSeconds(3.5), $"answered after {took.TotalSeconds:F2} s; the intake deadline is 2.5 s");
        await Task.Delay(TimeSpan.FromSeconds(3));
        // DingTalk's retry (signed anew) is taken in once Redis answers again.
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync(PlatformCallbacks.DingTalk("slow-dt-1", "年假怎么算", user: "patient-dt"))).StatusCode);
        Assert.Equal([AnswerKind.Inference, AnswerKind.Inference], app.Queue!.Queued.Select(q => q.Kind));
    }

    [Fact]
    public async Task A_retry_at_another_instance_while_the_first_still_decides_is_told_to_retry_and_answered_once()
    {
        var redis = RedisServer.IsolatedDatabase();
        await using var proxy = new RedisProxy(RedisServer.Shared.Endpoint);
        var replies = new RecordingReplySender();
        // A: slow Redis, intake only. B: fast Redis, intake and workers.
        using var slow = new ChatBotApp()
            .With("Redis:ConnectionString", redis.Replace(RedisServer.Shared.Endpoint, proxy.Endpoint, StringComparison.Ordinal))
            .With("Queue:EnvelopeKey", EnvelopeKey).With("Queue:RunWorkers", "false").With("Intake:Deadline", "00:00:03");
        using var fast = new ChatBotApp().WithServices(replies.Register)
            .With("Redis:ConnectionString", redis).With("Queue:EnvelopeKey", EnvelopeKey);
        var a = slow.Start();
        var b = fast.Start();
        var callback = PlatformCallbacks.DingTalk("race-1", "raced question", user: "racer");

        // Each Redis answer to A takes 0.8 s: the claim and the charge land, the enqueue is cut off by the deadline.
        proxy.ResponseDelay = TimeSpan.FromMilliseconds(800);
        var atA = a.PostAsync(callback);
        using (var direct = await ConnectionMultiplexer.ConnectAsync(redis))
        {
            var claim = ChatBot.Core.Claims.RedisClaimStore.RedisKey($"DingTalk:{ChatBotApp.DingTalkClientId}:race-1");
            await QuotaIntakeTests.WaitUntil(() => direct.GetDatabase().KeyExists(claim), 10);
        }

        var atB = await b.PostAsync(callback);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, atB.StatusCode); // still being decided at A: retry, not "duplicate"
        var firstAtA = (await atA).StatusCode;
        proxy.ResponseDelay = TimeSpan.Zero;

        // The platform retries until it hears 200, as DingTalk and WeCom do.
        var acknowledged = firstAtA == HttpStatusCode.OK;
        for (var retry = 0; retry < 10 && !acknowledged; retry++)
        {
            await Task.Delay(500);
            acknowledged = (await b.PostAsync(callback)).StatusCode == HttpStatusCode.OK;
        }

        Assert.True(acknowledged, "the message is taken in by a retry");
        await QuotaIntakeTests.WaitUntil(() => replies.Sent.Count >= 1, 60);
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.Single(replies.Sent);
        await AssertNoJobsLeftAsync(redis);
    }

    [Fact]
    public async Task A_job_record_whose_enqueue_was_cut_off_is_swept_and_never_runs()
    {
        var redis = RedisServer.IsolatedDatabase();
        var replies = new RecordingReplySender();
        using var app = new ChatBotApp().WithServices(replies.Register)
            .With("Redis:ConnectionString", redis).With("Queue:EnvelopeKey", EnvelopeKey);
        app.Start();
        // What a cut-off enqueue leaves: Hangfire's job record, written, never given a state (so never queued).
        using var mux = await ConnectionMultiplexer.ConnectAsync(redis);
        var db = mux.GetDatabase();
        var created = DateTime.UtcNow - TimeSpan.FromMinutes(5);
        await db.HashSetAsync("chatbot:hangfire:job:orphan-1", [new HashEntry("Type", "x"), new HashEntry("Arguments", "[\"sealed\"]"),
            new HashEntry("CreatedAt", created.ToString("O", System.Globalization.CultureInfo.InvariantCulture))]);
        await db.KeyExpireAsync("chatbot:hangfire:job:orphan-1", TimeSpan.FromDays(30));
        await db.HashSetAsync("chatbot:hangfire:job:recent-1", [new HashEntry("Type", "x"), new HashEntry("CreatedAt", DateTime.UtcNow.ToString("O", System.Globalization.CultureInfo.InvariantCulture))]);

        // The rescuer's own pass may get there first; either way the record is deleted exactly once. That pass may have
        // deleted it and not yet logged it: wait for the line, then count.
        Hangfire_Rescuer(app).SweepOrphans(DateTime.UtcNow - ChatBot.Host.Hosting.DeadServerJobRescuer.OrphanAge);
        await QuotaIntakeTests.WaitUntil(() => app.Logs.Lines.Any(l => l.EventId == 1403 && l.Line.Contains("orphan-1", StringComparison.Ordinal)), 10);
        Assert.Single(app.Logs.Lines, l => l.EventId == 1403 && l.Line.Contains("orphan-1", StringComparison.Ordinal));
        Assert.DoesNotContain(app.Logs.Lines, l => l.EventId == 1403 && l.Line.Contains("recent-1", StringComparison.Ordinal));

        Assert.False(await db.KeyExistsAsync("chatbot:hangfire:job:orphan-1"));
        Assert.True(await db.KeyExistsAsync("chatbot:hangfire:job:recent-1"), "a record still being enqueued is left alone");
        Assert.Empty(replies.Sent);
    }

    [Fact]
    public async Task A_record_the_real_storage_left_from_a_cut_off_enqueue_is_deleted()
    {
        var redis = RedisServer.IsolatedDatabase();
        using var app = new ChatBotApp().With("Redis:ConnectionString", redis).With("Queue:EnvelopeKey", EnvelopeKey);
        app.Start();
        // The client's first step of an enqueue, written by Hangfire's Redis storage itself: the job record, with
        // CreatedAt in the storage's own format (Unix milliseconds) — then the enqueue is cut off before a state.
        var storage = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<Hangfire.JobStorage>(app.Services);
        string id;
        using (var connection = storage.GetConnection())
        {
            id = connection.CreateExpiredJob(Hangfire.Common.Job.FromExpression(() => Console.WriteLine("never")), new Dictionary<string, string?>(),
                DateTime.UtcNow - TimeSpan.FromMinutes(5), TimeSpan.FromDays(30));
        }

        using var mux = await ConnectionMultiplexer.ConnectAsync(redis);
        var written = (string?)await mux.GetDatabase().HashGetAsync($"chatbot:hangfire:job:{id}", "CreatedAt");
        Assert.Matches("^[0-9]+$", written!); // what every real orphan carries, and what the sweep used to skip

        Hangfire_Rescuer(app).SweepOrphans(DateTime.UtcNow - ChatBot.Host.Hosting.DeadServerJobRescuer.OrphanAge);
        await QuotaIntakeTests.WaitUntil(() => !mux.GetDatabase().KeyExists($"chatbot:hangfire:job:{id}"), 10);
        await QuotaIntakeTests.WaitUntil(() => app.Logs.Lines.Any(l => l.EventId == 1403 && l.Line.Contains(id, StringComparison.Ordinal)), 10);
        Assert.Single(app.Logs.Lines, l => l.EventId == 1403 && l.Line.Contains(id, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_fetched_job_whose_record_redis_lost_is_dropped_once_not_queued_again()
    {
        var redis = RedisServer.IsolatedDatabase();
        using var app = new ChatBotApp().With("Redis:ConnectionString", redis).With("Queue:EnvelopeKey", EnvelopeKey);
        app.Start();
        // What a worker still running leaves after Redis restarted empty: the job fetched, its state naming a server
        // that is gone, and no record (a queue no worker here listens on, so only the rescuer acts on it).
        using var mux = await ConnectionMultiplexer.ConnectAsync(redis);
        var db = mux.GetDatabase();
        await db.SetAddAsync("chatbot:hangfire:queues", "lost");
        await db.ListRightPushAsync("chatbot:hangfire:queue:lost:dequeued", "lost-1");
        await db.HashSetAsync("chatbot:hangfire:job:lost-1:state", [new HashEntry("State", "Processing"), new HashEntry("ServerId", "gone-server")]);

        await QuotaIntakeTests.WaitUntil(() => app.Logs.Lines.Any(l => l.EventId == 1404), 30);
        await Task.Delay(TimeSpan.FromSeconds(6)); // more passes of the rescuer (every 2 s): it would log again had it queued the job
        Assert.Single(app.Logs.Lines, l => l.EventId == 1404 && l.Line.Contains("lost-1", StringComparison.Ordinal));
        Assert.DoesNotContain(app.Logs.Lines, l => l.EventId == 1401);
        Assert.Equal(0, await db.ListLengthAsync("chatbot:hangfire:queue:lost"));
        Assert.Equal(0, await db.ListLengthAsync("chatbot:hangfire:queue:lost:dequeued"));
        Assert.False(await db.KeyExistsAsync("chatbot:hangfire:job:lost-1:state"));
    }

    [Fact]
    public async Task A_server_whose_heartbeat_goes_on_keeps_its_job_even_without_its_record_and_loses_it_once_the_beat_stands_still()
    {
        var redis = RedisServer.IsolatedDatabase();
        using var app = new ChatBotApp().With("Redis:ConnectionString", redis).With("Queue:EnvelopeKey", EnvelopeKey);
        app.Start();
        // A server Hangfire's watchdog removed while it still ran (a long pause): its heartbeat writes its record back
        // without StartedAt, and nothing tells it. Its job, in a queue no worker here listens on, must stay with it.
        using var mux = await ConnectionMultiplexer.ConnectAsync(redis);
        var db = mux.GetDatabase();
        await db.SetAddAsync("chatbot:hangfire:queues", "beating");
        await db.HashSetAsync("chatbot:hangfire:job:beat-1", [new HashEntry("Type", "x"), new HashEntry("State", "Processing"), new HashEntry("CreatedAt", "1765000000000")]);
        await db.HashSetAsync("chatbot:hangfire:job:beat-1:state", [new HashEntry("State", "Processing"), new HashEntry("ServerId", "zombie-server")]);
        await db.ListRightPushAsync("chatbot:hangfire:queue:beating:dequeued", "beat-1");
        // Timed from the last beat written, not from after the test's own pause: a rescuer pass can come at any
        // moment of that pause, and a bound counted from its end would be short by however late the pause ran.
        var stopped = System.Diagnostics.Stopwatch.StartNew();
        for (var i = 0; i < 16; i++)
        {
            await db.HashSetAsync("chatbot:hangfire:server:zombie-server", "Heartbeat", DateTime.UtcNow.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
            stopped.Restart();
            await Task.Delay(1000);
        }

        Assert.DoesNotContain(app.Logs.Lines, l => l.EventId == 1401);
        Assert.Equal(1, await db.ListLengthAsync("chatbot:hangfire:queue:beating:dequeued"));

        // The beat stops: after 10 s of it standing still, seen over several passes, the job is queued again, once.
        await QuotaIntakeTests.WaitUntil(() => app.Logs.Lines.Any(l => l.EventId == 1401), 40);
        Assert.True(stopped.Elapsed >= TimeSpan.FromSeconds(9), $"taken for dead {stopped.Elapsed.TotalSeconds:F1} s after its last beat");
        Assert.Single(app.Logs.Lines, l => l.EventId == 1401 && l.Line.Contains("beat-1", StringComparison.Ordinal));
        Assert.Equal(1, await db.ListLengthAsync("chatbot:hangfire:queue:beating"));
        Assert.Equal(0, await db.ListLengthAsync("chatbot:hangfire:queue:beating:dequeued"));
    }

    private static ChatBot.Host.Hosting.DeadServerJobRescuer Hangfire_Rescuer(ChatBotApp app) =>
        Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetServices<Hangfire.Server.IBackgroundProcess>(app.Services)
            .OfType<ChatBot.Host.Hosting.DeadServerJobRescuer>().Single();

    /// <summary>
    /// Every job answered or dropped is deleted within seconds: no sealed message stays at rest. The bound is 30 s, not a
    /// speed claim: a fresh-clone run under load once still held one record (with its state lock) 10 s after the burst's
    /// last reply; the failure now says what state it was in.
    /// </summary>
    internal static async Task AssertNoJobsLeftAsync(string redis)
    {
        using var mux = await ConnectionMultiplexer.ConnectAsync(redis + ",allowAdmin=true");
        var options = ConfigurationOptions.Parse(redis);
        var server = mux.GetServer(mux.GetEndPoints()[0]);
        List<string> jobs = [];
        for (var i = 0; i < 120; i++)
        {
            jobs = [];
            await foreach (var key in server.KeysAsync(options.DefaultDatabase ?? 0, "chatbot:hangfire:job:*"))
            {
                jobs.Add(key.ToString());
            }

            if (jobs.Count == 0)
            {
                return;
            }

            await Task.Delay(250);
        }

        // What each record says of itself (its state, the reason, how long it has left), so a rare failure can be read.
        var db = mux.GetDatabase(options.DefaultDatabase ?? 0);
        var states = new List<string>();
        foreach (var job in jobs.Where(j => j.Count(c => c == ':') == 3))
        {
            var state = await db.HashGetAllAsync(job + ":state");
            var fields = string.Join(" ", state.Where(f => f.Name != "Data").Select(f => $"{f.Name}={f.Value}"));
            states.Add($"{job}: State={await db.HashGetAsync(job, "State")} ttl={await db.KeyTimeToLiveAsync(job)}; state {fields}; lock ttl={await db.KeyTimeToLiveAsync(job + ":state-lock")}");
        }

        Assert.Fail("job records left in Redis: " + string.Join(", ", jobs) + "\n" + string.Join("\n", states));
    }
}
