using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using ChatBot.Host.Cli;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace ChatBot.Bench;

/// <summary>
/// Soak: two instances on one Redis (append-only) take a steady stream of signed DingTalk callbacks; at 30 % of the
/// run one instance is killed with SIGKILL, at 60 % Redis is restarted. Replies go to a loopback session webhook that
/// records each answer, so an answer delivered by the killed instance still counts. A refused or failed callback is
/// retried as the platform does. Reports sent, acknowledged, answered, duplicated, lost, p99 ack and answer latency,
/// and each instance's peak resident memory.
/// </summary>
internal static class SoakBench
{
    private const string Secret = "soak-client-secret";
    private const string Robot = "dingsoak";

    public static async Task<int> RunAsync(string[] args)
    {
        var (host, model, redisServer, redisDir) = (args[0], args[1], args[2], args[3]);
        var redisPort = int.Parse(args[4], CultureInfo.InvariantCulture);
        var rate = int.Parse(args[5], CultureInfo.InvariantCulture);
        var seconds = int.Parse(args[6], CultureInfo.InvariantCulture);
        var work = Directory.CreateTempSubdirectory("chatbot-soak").FullName;
        File.WriteAllText(Path.Combine(work, "quotas.json"), """{ "timeZone": "Asia/Shanghai", "dailyLimit": 1000000 }""");
        var envelopeKey = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));

        await using var webhook = await Webhook.StartAsync();
        var redis = StartRedis(redisServer, redisDir, redisPort);
        var ports = new[] { AckBench.FreePort(), AckBench.FreePort() };
        var bots = ports.Select(port => AckBench.Start("dotnet", host, new Dictionary<string, string>
        {
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
            ["DingTalk__ClientId"] = Robot,
            ["DingTalk__ClientSecret"] = Secret,
            ["DingTalk__AllowedReplyHosts__0"] = "127.0.0.1",
            ["Redis__ConnectionString"] = $"127.0.0.1:{redisPort},abortConnect=false",
            ["Queue__EnvelopeKey"] = envelopeKey,
            ["Inference__ModelPath"] = model,
            ["Inference__MaxNewTokens"] = "8",
            ["Quotas__PolicyFile"] = Path.Combine(work, "quotas.json"),
            ["Audit__Folder"] = Path.Combine(work, "audit"),
            ["Logging__LogLevel__Default"] = "Warning",
        })).ToArray();
        foreach (var port in ports)
        {
            await AckBench.WaitReady($"http://127.0.0.1:{port}/healthz");
        }

        var peaks = new long[bots.Length];
        using var sampling = new CancellationTokenSource();
        var sampler = SampleRssAsync(bots, peaks, sampling.Token);
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 256 }) { Timeout = TimeSpan.FromSeconds(10) };
        var alive = new[] { true, true };
        var acks = new ConcurrentBag<double>();
        var sentAt = new ConcurrentDictionary<string, long>();
        var acknowledged = new ConcurrentDictionary<string, bool>();
        var total = rate * seconds;
        var tasks = new List<Task>();
        var start = Stopwatch.GetTimestamp();
        var (killed, restarted) = (false, false);
        for (var i = 0; i < total; i++)
        {
            var due = start + (long)(i * (double)Stopwatch.Frequency / rate);
            while (Stopwatch.GetTimestamp() < due)
            {
                await Task.Delay(1);
            }

            var elapsed = Stopwatch.GetElapsedTime(start).TotalSeconds;
            if (!killed && elapsed >= seconds * 0.3)
            {
                killed = true;
                alive[0] = false;
                bots[0].Kill(entireProcessTree: true); // SIGKILL
                Console.Error.WriteLine($"soak: instance 1 killed with SIGKILL at {elapsed:F0} s");
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
                    Console.Error.WriteLine("soak: Redis restarted (append-only file kept)");
                });
            }

            var id = $"soak-{i}";
            sentAt[id] = Stopwatch.GetTimestamp();
            tasks.Add(SendAsync(http, ports, alive, id, i, webhook.Url(id), acks, acknowledged));
        }

        await Task.WhenAll(tasks);
        // Answers still in flight (queued behind the restart) get a minute and a half to arrive.
        var drain = Stopwatch.StartNew();
        while (drain.Elapsed < TimeSpan.FromSeconds(90) && webhook.Answers.Count < acknowledged.Count)
        {
            await Task.Delay(500);
        }

        sampling.Cancel();
        await sampler;
        var answerLatency = webhook.Answers.Select(a => Stopwatch.GetElapsedTime(sentAt[a.Key], a.Value.First).TotalMilliseconds).Order().ToArray();
        var ackSorted = acks.Order().ToArray();
        var report = new
        {
            soakSeconds = seconds, rate, sent = total, acknowledged = acknowledged.Count,
            answered = webhook.Answers.Count,
            duplicated = webhook.Answers.Values.Count(a => a.Count > 1),
            lost = acknowledged.Keys.Count(k => !webhook.Answers.ContainsKey(k)) + (total - acknowledged.Count),
            ackP99Ms = ackSorted.Length == 0 ? double.NaN : ackSorted[(int)(ackSorted.Length * 0.99)],
            answerP99Ms = answerLatency.Length == 0 ? double.NaN : answerLatency[(int)(answerLatency.Length * 0.99)],
            peakRssMb = peaks.Select(p => p / 1_000_000).ToArray(),
        };
        Console.WriteLine(JsonSerializer.Serialize(new { soak = report }));
        Console.Error.WriteLine($"soak: sent {report.sent}, acknowledged {report.acknowledged}, answered {report.answered}, duplicated {report.duplicated}, lost {report.lost}, "
            + $"ack p99 {report.ackP99Ms:F0} ms, answer p99 {report.answerP99Ms:F0} ms, peak RSS {string.Join(" / ", report.peakRssMb)} MB");
        bots[1].Kill(entireProcessTree: true);
        redis.Kill();
        return 0;
    }

    /// <summary>Sent round-robin over the live instances; a refusal or a dead connection is retried, as the platform does.</summary>
    private static async Task SendAsync(HttpClient http, int[] ports, bool[] alive, string id, int i, string session, ConcurrentBag<double> acks, ConcurrentDictionary<string, bool> acknowledged)
    {
        var body = SimulatedCallback.DingTalkBody(id, $"user{i % 200}", "年假怎么算？", null, DateTimeOffset.UtcNow, session, Robot);
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
                    acknowledged[id] = true;
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

    private static Process StartRedis(string server, string dir, int port) =>
        AckBench.Start(server, $"--bind 127.0.0.1 --port {port} --dir {dir} --appendonly yes --appendfsync everysec --save \"\"", []);

    private static async Task SampleRssAsync(Process[] bots, long[] peaks, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            for (var b = 0; b < bots.Length; b++)
            {
                try
                {
                    bots[b].Refresh();
                    peaks[b] = Math.Max(peaks[b], bots[b].HasExited ? 0 : bots[b].WorkingSet64);
                }
                catch (InvalidOperationException)
                {
                }
            }

            await Task.Delay(1000, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    /// <summary>A loopback session webhook: records when each message's answers arrive (by session = message id).</summary>
    private sealed class Webhook : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private readonly int _port;

        private Webhook(WebApplication app, int port)
        {
            _app = app;
            _port = port;
        }

        public ConcurrentDictionary<string, (long First, int Count)> Answers { get; } = new();

        public string Url(string session) => $"http://127.0.0.1:{_port}/robot/sendBySession?session={session}";

        public static async Task<Webhook> StartAsync()
        {
            var port = AckBench.FreePort();
            var app = BareServer.Loopback(port);
            var hook = new Webhook(app, port);
            app.MapPost("/robot/sendBySession", async (HttpRequest request, string session) =>
            {
                await request.Body.CopyToAsync(Stream.Null);
                var now = Stopwatch.GetTimestamp();
                hook.Answers.AddOrUpdate(session, (now, 1), (_, old) => (old.First, old.Count + 1));
                return Results.Json(new { errcode = 0, errmsg = "ok" });
            });
            await app.StartAsync();
            return hook;
        }

        public async ValueTask DisposeAsync() => await _app.DisposeAsync();
    }
}
