using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using ChatBot.Host.Cli;
using StackExchange.Redis;

namespace ChatBot.Bench;

/// <summary>
/// Recovery after <c>kill -9</c> mid-answer: two instances on one Redis, the real-shape model, answers of a fixed
/// length. Each round asks one question three ways, interleaved: left alone (how long an answer takes); with the
/// instance writing it killed halfway, the survivor continuing from the words kept (the product); and the same kill
/// with the kept words deleted from the job the moment it dies (the peer: the survivor writes the answer again from
/// the start, as before words were kept). Reports kill → delivered, medians and the paired ratio.
/// </summary>
internal static class RecoveryBench
{
    private const string Secret = "recovery-client-secret";
    private const string Robot = "dingrecovery";
    private const string Prefix = "chatbot:hangfire:";

    public static async Task<int> RunAsync(string[] args)
    {
        var (host, model, redisServer) = (args[0], args[1], args[2]);
        var tokens = args.Length > 3 ? args[3] : "400";
        var rounds = args.Length > 4 ? int.Parse(args[4], CultureInfo.InvariantCulture) : 3;
        var work = Directory.CreateTempSubdirectory("chatbot-recovery").FullName;
        var envelopeKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        var redisPort = AckBench.FreePort();
        using var redisProcess = AckBench.Start(redisServer, $"--bind 127.0.0.1 --port {redisPort} --dir {work} --save \"\" --appendonly no", []);
        await Task.Delay(300);
        using var mux = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{redisPort}");
        var db = mux.GetDatabase();
        await using var webhook = await SoakBench.Webhook.StartAsync();

        var ports = new[] { AckBench.FreePort(), AckBench.FreePort() };
        Process StartBot(int port)
        {
            var environment = SoakBench.BotEnvironment(Robot, Secret, port, $"127.0.0.1:{redisPort}", envelopeKey, model, tokens, work);
            // Only the answer reaches the webhook: its arrival is the figure.
            (environment["Answers__ThinkingNoticeAfter"], environment["Answers__WelcomeInterval"]) = ("00:00:00", "00:00:00");
            return AckBench.Start("dotnet", host, environment);
        }
        var bots = ports.Select(StartBot).ToArray();
        foreach (var port in ports)
        {
            await AckBench.WaitReady($"http://127.0.0.1:{port}/healthz", withinSeconds: 120);
        }

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var asked = 0;
        async Task<(string Id, long Sent)> AskAsync()
        {
            var id = $"recovery-{asked++}";
            var body = SimulatedCallback.DingTalkBody(id, $"user{asked}", "请详细介绍一下公司的年假、病假和调休规定，越详细越好。", null, DateTimeOffset.UtcNow, webhook.Url(id), Robot);
            var sent = Stopwatch.GetTimestamp();
            using var response = await http.SendAsync(SimulatedCallback.DingTalkRaw(Secret, body, DateTimeOffset.UtcNow).ToRequest(new Uri($"http://127.0.0.1:{ports[asked % 2]}")));
            if (response.StatusCode != HttpStatusCode.OK)
            {
                throw new InvalidOperationException($"callback refused: {(int)response.StatusCode}");
            }

            return (id, sent);
        }

        async Task<double> DeliveredAsync(string id, long since)
        {
            var clock = Stopwatch.StartNew();
            while (!webhook.Answers.ContainsKey(id))
            {
                if (clock.Elapsed > TimeSpan.FromMinutes(3))
                {
                    throw new TimeoutException($"{id} was not answered within 3 minutes");
                }

                await Task.Delay(50);
            }

            return Stopwatch.GetElapsedTime(since, webhook.Answers[id].First).TotalSeconds;
        }

        // The instance writing the answer: the job that has begun keeping words names its server, "host:pid:…".
        async Task<(RedisKey Job, int Index)> WriterAsync()
        {
            var server = mux.GetServer(mux.GetEndPoints()[0]);
            while (true)
            {
                foreach (var key in server.Keys(0, Prefix + "job:*"))
                {
                    var name = key.ToString();
                    if (name.Count(c => c == ':') == 3 && await db.HashExistsAsync(key, "partial")
                        && (string?)await db.HashGetAsync(name + ":state", "ServerId") is { } serverId)
                    {
                        var pid = int.Parse(serverId.Split(':')[1], CultureInfo.InvariantCulture);
                        return (key, Array.FindIndex(bots, b => b.Id == pid));
                    }
                }

                await Task.Delay(20);
            }
        }

        var (whole, kept, again, ratios) = (new List<double>(), new List<double>(), new List<double>(), new List<double>());
        for (var round = 0; round < rounds; round++)
        {
            var (id, sent) = await AskAsync();
            var alone = await DeliveredAsync(id, sent);
            whole.Add(alone);
            var pair = new double[2];
            foreach (var keepWords in round % 2 == 0 ? new[] { true, false } : [false, true])
            {
                (id, sent) = await AskAsync();
                var (job, index) = await WriterAsync();
                // Halfway through the answer, as the undisturbed one took it.
                var due = sent + (long)(alone / 2 * Stopwatch.Frequency);
                var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait);
                }

                bots[index].Kill(entireProcessTree: true); // SIGKILL
                var killed = Stopwatch.GetTimestamp();
                if (!keepWords)
                {
                    await db.HashDeleteAsync(job, "partial");
                }

                var seconds = await DeliveredAsync(id, killed);
                if (seconds < 0)
                {
                    // The synthetic model's random words can end early: this answer was whole before the kill, so the
                    // round measures nothing and its pair is left out.
                    pair[keepWords ? 0 : 1] = double.NaN;
                    Console.Error.WriteLine($"recovery: round {round + 1}, {(keepWords ? "words kept" : "words dropped")}: the answer arrived {-seconds:F1} s before the kill; round left out");
                }
                else
                {
                    (keepWords ? kept : again).Add(seconds);
                    pair[keepWords ? 0 : 1] = seconds;
                    Console.Error.WriteLine($"recovery: round {round + 1}, {(keepWords ? "words kept" : "words dropped")}: delivered {seconds:F1} s after kill -9 (answer alone {alone:F1} s)");
                }
                bots[index] = StartBot(ports[index]);
                await AckBench.WaitReady($"http://127.0.0.1:{ports[index]}/healthz", withinSeconds: 120);
                // A started instance moves its weights onto huge pages in the background for some seconds: an answer
                // it writes meanwhile is slower, so the next kill would find fewer words kept. Let it settle first.
                await Task.Delay(TimeSpan.FromSeconds(30));
            }

            if (!double.IsNaN(pair[0] / pair[1]))
            {
                ratios.Add(pair[0] / pair[1]);
            }
        }

        var report = new
        {
            tokens = int.Parse(tokens, CultureInfo.InvariantCulture), rounds,
            answerAloneS = Median(whole), killToDeliveredKeptS = Median(kept), killToDeliveredWrittenAgainS = Median(again),
            keptOverAgain = ratios.Select(r => Math.Round(r, 2)).ToArray(), keptOverAgainMedian = Math.Round(Median(ratios), 2),
            doubled = webhook.Answers.Values.Count(a => a.Doubled),
        };
        // A median of no round (every answer ended before its kill) is NaN, written as such.
        Console.WriteLine(JsonSerializer.Serialize(new { recovery = report },
            new JsonSerializerOptions { NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals }));
        Console.Error.WriteLine($"recovery: {tokens}-token answers; alone {report.answerAloneS:F1} s; kill -9 halfway → delivered: words kept {report.killToDeliveredKeptS:F1} s, "
            + $"written again {report.killToDeliveredWrittenAgainS:F1} s (medians), kept/again {string.Join(" ", report.keptOverAgain)} → {report.keptOverAgainMedian}×; doubled {report.doubled}");
        foreach (var bot in bots)
        {
            bot.Kill(entireProcessTree: true);
        }

        redisProcess.Kill();
        Directory.Delete(work, recursive: true);
        return 0;
    }

    // The middle value, or the mean of the two middle ones.
    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count == 0 ? double.NaN : sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }
}
