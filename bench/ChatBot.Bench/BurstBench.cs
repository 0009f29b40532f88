using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using ChatBot.Host.Cli;

namespace ChatBot.Bench;

/// <summary>
/// A burst of signed DingTalk callbacks from one user, all sent at once, over two bot instances sharing one Redis
/// (workers on, tiny model), against the same burst on a bare Kestrel endpoint, rounds interleaved. A 503 is
/// retried as the platform would (after 1 s here, 5 s there). Reports the first-attempt ack latency, how many
/// were acknowledged, answered (exactly the daily limit is right), doubled and lost.
/// </summary>
internal static class BurstBench
{
    private const string NoticeMarker = "提问次数已用完";

    public static async Task<int> RunAsync(string[] args)
    {
        var host = args[0];
        var model = args[1];
        var redis = args[2];
        var count = int.Parse(args[3], CultureInfo.InvariantCulture);
        var rounds = int.Parse(args[4], CultureInfo.InvariantCulture);
        const int limit = 10;
        var work = Directory.CreateTempSubdirectory("chatbot-burst").FullName;
        File.WriteAllText(Path.Combine(work, "quotas.json"), $$"""{ "timeZone": "Asia/Shanghai", "dailyLimit": {{limit}} }""");
        var keyFile = Path.Combine(work, "demo-keys.json");
        var envelopeKey = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));

        var ports = new[] { AckBench.FreePort(), AckBench.FreePort() };
        var bots = new List<Process>();
        foreach (var port in ports)
        {
            bots.Add(AckBench.Start("dotnet", host, new Dictionary<string, string>
            {
                ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
                ["Demo__Enabled"] = "true",
                ["Demo__KeyFile"] = keyFile,
                ["Redis__ConnectionString"] = redis,
                ["Queue__EnvelopeKey"] = envelopeKey,
                ["Inference__ModelPath"] = model,
                ["Inference__MaxNewTokens"] = "8",
                ["Inference__WarmUp"] = "false",
                ["Quotas__PolicyFile"] = Path.Combine(work, "quotas.json"),
                ["Logging__LogLevel__Default"] = "Warning",
            }));
            await AckBench.WaitReady($"http://127.0.0.1:{port}/healthz");
        }

        var barePort = AckBench.FreePort();
        using var bare = AckBench.Start("dotnet", $"{typeof(BurstBench).Assembly.Location} bare-server {barePort}", []);
        await AckBench.WaitReady($"http://127.0.0.1:{barePort}/none", anyAnswer: true);
        var keys = JsonDocument.Parse(File.ReadAllText(keyFile)).RootElement;
        var secret = keys.GetProperty("dingTalkClientSecret").GetString()!;
        var robot = keys.GetProperty("dingTalkClientId").GetString()!;

        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = count, PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
        {
            Timeout = TimeSpan.FromSeconds(60),
        };
        var results = new List<object>();
        for (var round = 0; round < rounds; round++)
        {
            foreach (var target in new[] { "bare Kestrel", "ChatBot x2" })
            {
                var bases = target == "bare Kestrel"
                    ? [new Uri($"http://127.0.0.1:{barePort}")]
                    : ports.Select(p => new Uri($"http://127.0.0.1:{p}")).ToArray();
                var user = $"burst-{round}-{Guid.NewGuid():N}"[..20];
                var now = DateTimeOffset.UtcNow;
                // DingTalk signs each callback at its own millisecond.
                var callbacks = Enumerable.Range(0, count)
                    .Select(i => SimulatedCallback.DingTalk(secret, $"b{round}-{target.Length}-{i}", user, "年假怎么算？", null, now.AddMilliseconds(i), robotCode: robot))
                    .ToArray();
                var stats = await BurstAsync(http, bases, callbacks);
                var answers = target == "bare Kestrel" ? null : await CollectAnswersAsync(http, bases, callbacks);
                var answered = answers?.Values.Count(t => !t.Contains(NoticeMarker, StringComparison.Ordinal));
                results.Add(new
                {
                    round, target, count, stats.P50, stats.P99, stats.Max, stats.FirstAttempt503, stats.Acknowledged, stats.SecondsToAckAll,
                    answered, notices = answers?.Values.Count(t => t.Contains(NoticeMarker, StringComparison.Ordinal)),
                    // One user with a daily limit: any answer past the limit is a message answered twice or over-admitted.
                    doubled = answered is { } n ? Math.Max(0, n - limit) : (int?)null,
                    lost = answered is { } a ? Math.Max(0, limit - a) + (count - stats.Acknowledged) : count - stats.Acknowledged,
                });
                Console.Error.WriteLine($"burst round {round} {target}: first-attempt p50 {stats.P50:F0} ms, p99 {stats.P99:F0} ms, "
                    + $"{stats.FirstAttempt503} × 503, {stats.Acknowledged}/{count} acked in {stats.SecondsToAckAll:F1} s, answered {answered?.ToString(CultureInfo.InvariantCulture) ?? "-"}");
            }
        }

        Console.WriteLine(JsonSerializer.Serialize(new { burst = count, limit, rounds = results }));
        foreach (var bot in bots)
        {
            bot.Kill(entireProcessTree: true);
        }

        bare.Kill(entireProcessTree: true);
        return 0;
    }

    private sealed record Stats(double P50, double P99, double Max, int FirstAttempt503, int Acknowledged, double SecondsToAckAll);

    private static async Task<Stats> BurstAsync(HttpClient http, Uri[] bases, SimulatedCallback[] callbacks)
    {
        var latencies = new double[callbacks.Length];
        var unavailable = 0;
        var start = Stopwatch.GetTimestamp();
        var acknowledged = await Task.WhenAll(callbacks.Select((callback, i) => Task.Run(async () =>
        {
            for (var attempt = 0; attempt < 10; attempt++)
            {
                var sent = Stopwatch.GetTimestamp();
                HttpStatusCode status;
                try
                {
                    using var response = await http.SendAsync(callback.ToRequest(bases[(i + attempt) % bases.Length]));
                    status = response.StatusCode;
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                {
                    status = HttpStatusCode.ServiceUnavailable;
                }

                if (attempt == 0)
                {
                    latencies[i] = Stopwatch.GetElapsedTime(sent).TotalMilliseconds;
                    if (status != HttpStatusCode.OK)
                    {
                        Interlocked.Increment(ref unavailable);
                    }
                }

                if (status == HttpStatusCode.OK)
                {
                    return true;
                }

                await Task.Delay(1000);
            }

            return false;
        })));
        var seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        Array.Sort(latencies);
        return new Stats(latencies[latencies.Length / 2], latencies[(int)(latencies.Length * 0.99)], latencies[^1], unavailable, acknowledged.Count(a => a), seconds);
    }

    /// <summary>Reads every message's answer from both instances' demo outboxes (each answer is taken once).</summary>
    private static async Task<ConcurrentDictionary<string, string>> CollectAnswersAsync(HttpClient http, Uri[] bases, SimulatedCallback[] callbacks)
    {
        var answers = new ConcurrentDictionary<string, string>();
        var ids = callbacks.Select(c => JsonDocument.Parse(c.Body).RootElement.GetProperty("msgId").GetString()!).ToArray();
        var quiet = Stopwatch.StartNew();
        var seen = 0;
        // Answers arrive within seconds; stop once nothing new has come for 8 s.
        while (quiet.Elapsed < TimeSpan.FromSeconds(8))
        {
            await Parallel.ForEachAsync(ids, new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (id, ct) =>
            {
                foreach (var baseUrl in bases)
                {
                    using var response = await http.GetAsync(new Uri(baseUrl, $"/demo/replies/{id}"), ct);
                    if (response.StatusCode == HttpStatusCode.OK)
                    {
                        var text = await response.Content.ReadAsStringAsync(ct);
                        answers.AddOrUpdate(id, text, (_, old) => old + "\n" + text);
                    }
                }
            });
            if (answers.Count != seen)
            {
                seen = answers.Count;
                quiet.Restart();
            }

            await Task.Delay(500);
        }

        return answers;
    }
}
