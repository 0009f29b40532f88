using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using ChatBot.Host.Cli;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using StackExchange.Redis;

namespace ChatBot.Bench;

/// <summary>
/// Soak: two instances on one Redis (append-only) take signed DingTalk callbacks for hours, a mix as employees send it:
/// a third are DMs asking policy questions of the documents (the public dev set's questions, unanswerable ones
/// included), the rest @-mentions in ten group chats, and every ten minutes a burst. At 30 % of the run one instance
/// is killed with SIGKILL and started again 15 s later, as a supervisor would; at 60 % Redis is restarted. Replies go
/// to a loopback session webhook that records each message, so an answer delivered by the killed instance still
/// counts, and a message delivered twice is seen. A refused or failed callback is retried as the platform does.
/// The drain after the last message lasts while answers keep coming. Reports sent, acknowledged, answered, doubled,
/// still queued in Redis at the end (kept for the next instance), lost (acknowledged, neither answered nor queued),
/// p99 ack and first words, each instance's resident memory and GC-committed memory every minute, and the resident
/// slope per hour after the first ten minutes (the one never killed is the long-lived figure).
/// </summary>
internal static class SoakBench
{
    private const string Secret = "soak-client-secret";
    private const string Robot = "dingsoak";
    private const int BurstSize = 12;
    private static readonly TimeSpan BurstEvery = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan RestartAfter = TimeSpan.FromSeconds(15);

    public static async Task<int> RunAsync(string[] args)
    {
        var (host, model, redisServer, redisDir) = (args[0], args[1], args[2], args[3]);
        var redisPort = int.Parse(args[4], CultureInfo.InvariantCulture);
        var rate = double.Parse(args[5], CultureInfo.InvariantCulture);
        var seconds = int.Parse(args[6], CultureInfo.InvariantCulture);
        var (docs, questionsFile, promptsFile) = (args[7], args[8], args[9]);
        var tokens = args.Length > 10 ? args[10] : "48";
        var questions = File.ReadLines(questionsFile).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("question").GetString()!).ToArray();
        var prompts = File.ReadLines(promptsFile).Where(l => l.Length > 0).ToArray();
        var work = Directory.CreateTempSubdirectory("chatbot-soak").FullName;
        var envelopeKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

        await using var webhook = await Webhook.StartAsync();
        var redis = StartRedis(redisServer, redisDir, redisPort);
        var ports = new[] { AckBench.FreePort(), AckBench.FreePort() };
        Process StartBot(int port)
        {
            var environment = BotEnvironment(Robot, Secret, port, $"127.0.0.1:{redisPort},abortConnect=false", envelopeKey, model, tokens, work);
            environment["Knowledge__Folder"] = docs;
            return AckBench.Start("dotnet", host, environment);
        }
        var bots = ports.Select(StartBot).ToArray();
        foreach (var port in ports)
        {
            await AckBench.WaitReady($"http://127.0.0.1:{port}/healthz", withinSeconds: 120);
        }

        var memory = new SoakMemory(bots.Length, ports);
        using var sampling = new CancellationTokenSource();
        var sampler = memory.SampleAsync(bots, sampling.Token);
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 256 }) { Timeout = TimeSpan.FromSeconds(10) };
        var alive = new[] { true, true };
        var acks = new ConcurrentBag<double>();
        var sentAt = new ConcurrentDictionary<string, long>();
        var acknowledged = new ConcurrentDictionary<string, bool>();
        var tasks = new List<Task>();
        var start = Stopwatch.GetTimestamp();
        var (killed, restarted) = (false, false);
        var schedule = Schedule(rate, seconds);
        for (var i = 0; i < schedule.Count; i++)
        {
            var due = start + (long)(schedule[i] * Stopwatch.Frequency);
            while (Stopwatch.GetTimestamp() < due)
            {
                await Task.Delay(Math.Clamp((int)((due - Stopwatch.GetTimestamp()) * 1000 / Stopwatch.Frequency), 1, 1000));
            }

            var elapsed = Stopwatch.GetElapsedTime(start).TotalSeconds;
            if (!killed && elapsed >= seconds * 0.3)
            {
                killed = true;
                alive[0] = false;
                bots[0].Kill(entireProcessTree: true); // SIGKILL
                memory.Note($"instance 1 killed with SIGKILL at {elapsed / 60:F0} min");
                _ = Task.Run(async () =>
                {
                    await Task.Delay(RestartAfter);
                    bots[0] = StartBot(ports[0]);
                    await AckBench.WaitReady($"http://127.0.0.1:{ports[0]}/healthz", withinSeconds: 120);
                    alive[0] = true;
                    memory.Restarted(0, Stopwatch.GetElapsedTime(start));
                    memory.Note($"instance 1 started again, ready at {Stopwatch.GetElapsedTime(start).TotalMinutes:F0} min");
                });
            }

            if (!restarted && elapsed >= seconds * 0.6)
            {
                restarted = true;
                _ = Task.Run(async () =>
                {
                    redis.Kill();
                    await redis.WaitForExitAsync();
                    await Task.Delay(1000);
                    redis = StartRedis(redisServer, redisDir, redisPort);
                    memory.Note($"Redis restarted at {Stopwatch.GetElapsedTime(start).TotalMinutes:F0} min (append-only file kept)");
                });
            }

            var id = $"soak-{i}";
            var dm = i % 3 == 0;
            var body = SimulatedCallback.DingTalkBody(id, $"user{i % 200}", dm ? questions[i / 3 % questions.Length] : prompts[i % prompts.Length],
                dm ? null : $"cidgroup{i % 10}", DateTimeOffset.UtcNow, webhook.Url(id), Robot);
            sentAt[id] = Stopwatch.GetTimestamp();
            tasks.Add(SendAsync(http, ports, alive, i, body, acks, () => acknowledged[id] = true));
        }

        await Task.WhenAll(tasks);
        // Answers still queued (behind a burst or the restart) may arrive for as long as answers keep coming: the drain
        // ends when all have, or when none came for five minutes (stuck), and at most after 30 minutes.
        var drain = Stopwatch.StartNew();
        var (lastCount, lastProgress) = (webhook.Answers.Count, drain.Elapsed);
        while (webhook.Answers.Count < acknowledged.Count && drain.Elapsed - lastProgress < TimeSpan.FromMinutes(5) && drain.Elapsed < TimeSpan.FromMinutes(30))
        {
            await Task.Delay(1000);
            if (webhook.Answers.Count > lastCount)
            {
                (lastCount, lastProgress) = (webhook.Answers.Count, drain.Elapsed);
            }
        }

        sampling.Cancel();
        await sampler;
        // What is not answered yet but still a job in Redis waits there for the next instance (jobs are deleted when
        // done): kept, not lost. Counted before the instances stop.
        var queuedAtEnd = await UnfinishedJobsAsync(redisPort);
        var firstWords = webhook.Answers.Select(a => Stopwatch.GetElapsedTime(sentAt[a.Key], a.Value.First).TotalMilliseconds).Order().ToArray();
        var ackSorted = acks.Order().ToArray();
        var report = new
        {
            soakSeconds = seconds, rate, burst = BurstSize, sent = schedule.Count, acknowledged = acknowledged.Count,
            answered = webhook.Answers.Count,
            doubled = webhook.Answers.Values.Count(a => a.Doubled),
            drainSeconds = Math.Round(drain.Elapsed.TotalSeconds),
            queuedAtEnd,
            lost = Math.Max(0, acknowledged.Keys.Count(k => !webhook.Answers.ContainsKey(k)) - queuedAtEnd) + (schedule.Count - acknowledged.Count),
            ackP99Ms = Percentile(ackSorted, 0.99),
            firstWordsP50Ms = Percentile(firstWords, 0.5),
            firstWordsP99Ms = Percentile(firstWords, 0.99),
            peakRssMb = memory.Peaks.Select(p => Math.Round(p / 1e6)).ToArray(),
            rssSlopePercentPerHour = Enumerable.Range(0, bots.Length).Select(b => Math.Round(memory.SlopePercentPerHour(b), 2)).ToArray(),
            rssMbEachMinute = memory.Curve,
            gcCommittedMbEachMinute = memory.ManagedCurve,
            events = memory.Events,
        };
        // A slope of a run too short to have one is NaN, written as such.
        Console.WriteLine(JsonSerializer.Serialize(new { soak = report }, new JsonSerializerOptions { NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals }));
        Console.Error.WriteLine(string.Join('\n', memory.Events.Select(e => "soak: " + e)));
        Console.Error.WriteLine($"soak: sent {report.sent}, acknowledged {report.acknowledged}, answered {report.answered}, doubled {report.doubled}, "
            + $"still queued in Redis {report.queuedAtEnd} after a {report.drainSeconds:F0}-s drain, lost {report.lost}, "
            + $"ack p99 {report.ackP99Ms:F0} ms, first words p50 {report.firstWordsP50Ms:F0} / p99 {report.firstWordsP99Ms:F0} ms, "
            + $"peak RSS {string.Join(" / ", report.peakRssMb)} MB, RSS slope after 10 min {string.Join(" / ", report.rssSlopePercentPerHour)} %/h");
        Console.Error.WriteLine("soak: RSS (MB) each minute, instance 1 / 2: " + string.Join("  ", memory.Curve.Select(c => $"{c[0]:F0}:{c[1]:F0}/{c[2]:F0}")));
        Console.Error.WriteLine("soak: GC committed (MB) each minute, instance 1 / 2: " + string.Join("  ", memory.ManagedCurve.Select(c => $"{c[0]:F0}:{c[1]:F0}/{c[2]:F0}")));
        foreach (var bot in bots)
        {
            bot.Kill(entireProcessTree: true);
        }

        redis.Kill();
        return 0;
    }

    /// <summary>
    /// What a bot instance of the soak and recovery benches runs with: the DingTalk robot answering through the
    /// loopback webhook, on a shared Redis and envelope key, the model and answer length given, no daily limit (written
    /// to <paramref name="work"/>), logs at Warning; each bench adds its own.
    /// </summary>
    internal static Dictionary<string, string> BotEnvironment(string robot, string secret, int port, string redis, string envelopeKey, string model,
        string tokens, string work)
    {
        var quotas = Path.Combine(work, "quotas.json");
        File.WriteAllText(quotas, """{ "timeZone": "Asia/Shanghai", "dailyLimit": 1000000 }""");
        return new Dictionary<string, string>
        {
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
            ["DingTalk__ClientId"] = robot,
            ["DingTalk__ClientSecret"] = secret,
            ["DingTalk__AllowedReplyHosts__0"] = "127.0.0.1",
            ["Redis__ConnectionString"] = redis,
            ["Queue__EnvelopeKey"] = envelopeKey,
            ["Inference__ModelPath"] = model,
            ["Inference__MaxNewTokens"] = tokens,
            ["Quotas__PolicyFile"] = quotas,
            ["Audit__Folder"] = Path.Combine(work, "audit"),
            ["Privacy__PseudonymKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            ["Logging__LogLevel__Default"] = "Warning",
            // As the image and the systemd unit run it (deploy/).
            ["MALLOC_ARENA_MAX"] = "2",
        };
    }

    /// <summary>When each message is sent, in seconds from the start: a steady stream at the rate, and a burst every ten minutes.</summary>
    private static List<double> Schedule(double rate, int seconds)
    {
        var times = Enumerable.Range(0, (int)(rate * seconds)).Select(i => i / rate).ToList();
        for (var burst = BurstEvery.TotalSeconds / 2; burst < seconds; burst += BurstEvery.TotalSeconds)
        {
            times.AddRange(Enumerable.Repeat(burst, BurstSize));
        }

        times.Sort();
        return times;
    }

    private static double Percentile(double[] sorted, double p) => sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)(sorted.Length * p))];

    /// <summary>Sent round-robin over the live instances; a refusal or a dead connection is retried, as the platform does.</summary>
    private static async Task SendAsync(HttpClient http, int[] ports, bool[] alive, int i, byte[] body, ConcurrentBag<double> acks, Action acknowledged)
    {
        for (var attempt = 0; attempt < 20; attempt++)
        {
            var port = ports[(i + attempt) % ports.Length];
            var sent = Stopwatch.GetTimestamp();
            try
            {
                // Signed at send time: each attempt is a new delivery with its own timestamp.
                using var response = await http.SendAsync(SimulatedCallback.DingTalkRaw(Secret, body, DateTimeOffset.UtcNow).ToRequest(new Uri($"http://127.0.0.1:{port}")));
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    acks.Add(Stopwatch.GetElapsedTime(sent).TotalMilliseconds);
                    acknowledged();
                    return;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                // The instance died under it: the platform tries again later.
            }

            await Task.Delay(attempt == 0 ? 1000 : 3000);
        }
    }

    /// <summary>Jobs in Hangfire's storage not yet done (enqueued, processing, scheduled): each a question still to be answered.</summary>
    private static async Task<int> UnfinishedJobsAsync(int redisPort)
    {
        try
        {
            using var redis = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{redisPort},abortConnect=false,connectTimeout=5000");
            var database = redis.GetDatabase();
            var count = 0;
            foreach (var key in redis.GetServer($"127.0.0.1:{redisPort}").Keys(pattern: "chatbot:hangfire:job:*"))
            {
                var name = key.ToString();
                if (!name.EndsWith(":state", StringComparison.Ordinal) && !name.EndsWith(":history", StringComparison.Ordinal)
                    && await database.HashGetAsync(key, "State") is var state && state.ToString() is "Enqueued" or "Processing" or "Scheduled" or "Awaiting")
                {
                    count++;
                }
            }

            return count;
        }
        catch (RedisException)
        {
            return 0;
        }
    }

    private static Process StartRedis(string server, string dir, int port) =>
        AckBench.Start(server, $"--bind 127.0.0.1 --port {port} --dir {dir} --appendonly yes --appendfsync everysec --save \"\"", []);

    /// <summary>A loopback session webhook: records when each message's first reply arrives and whether one came twice.</summary>
    internal sealed class Webhook : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private readonly int _port;

        private Webhook(WebApplication app, int port)
        {
            _app = app;
            _port = port;
        }

        public ConcurrentDictionary<string, Received> Answers { get; } = new();

        public string Url(string session) => $"http://127.0.0.1:{_port}/robot/sendBySession?session={session}";

        public static async Task<Webhook> StartAsync()
        {
            var port = AckBench.FreePort();
            var app = BareServer.Loopback(port);
            var hook = new Webhook(app, port);
            app.MapPost("/robot/sendBySession", async (HttpRequest request, string session) =>
            {
                using var body = new MemoryStream();
                await request.Body.CopyToAsync(body);
                // A welcome and a long answer's parts are several messages; the same message twice is a double.
                var hash = Convert.ToHexString(SHA256.HashData(body.ToArray()));
                var now = Stopwatch.GetTimestamp();
                hook.Answers.AddOrUpdate(session, _ => new Received(now, [hash]), (_, old) => old.With(hash));
                return Results.Json(new { errcode = 0, errmsg = "ok" });
            });
            await app.StartAsync();
            return hook;
        }

        public async ValueTask DisposeAsync() => await _app.DisposeAsync();
    }

    internal sealed record Received(long First, string[] Hashes)
    {
        public bool Doubled => Hashes.Distinct().Count() < Hashes.Length;

        public Received With(string hash) => this with { Hashes = [.. Hashes, hash] };
    }
}
