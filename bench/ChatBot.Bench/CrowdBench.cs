using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using ChatBot.Core.Pipeline;
using ChatBot.Host.Cli;

namespace ChatBot.Bench;

/// <summary>
/// The whole bot as an admin starts it (demo profile, shipped defaults, the synthetic model), measured from outside:
/// seconds from process start to the first <c>/readyz</c> 200, then a crowd of users asking at once over signed
/// WeCom AI-bot callbacks — each one's time to the first words of the answer (polled every 20 ms from the demo
/// outbox, a queue notice not counted), the time until all are answered, and the process's resident memory (peak and
/// after). One warm-up crowd first. Prints one JSON line.
/// </summary>
internal static class CrowdBench
{
    public static async Task<int> RunAsync(string[] args)
    {
        var (host, model, users) = (args[0], args[1], int.Parse(args[2], CultureInfo.InvariantCulture));
        var parallel = args.Length > 3 ? args[3] : "4";
        var kv = args.Length > 4 ? args[4] : "F16";
        var work = Directory.CreateTempSubdirectory("chatbot-crowd").FullName;
        File.WriteAllText(Path.Combine(work, "quotas.json"), """{ "timeZone": "Asia/Shanghai", "dailyLimit": 1000000, "burstPerMinute": 1000 }""");
        var keyFile = Path.Combine(work, "demo-keys.json");
        var port = AckBench.FreePort();
        var started = Stopwatch.GetTimestamp();
        using var bot = AckBench.Start("dotnet", host, new Dictionary<string, string>
        {
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
            ["Demo__Enabled"] = "true",
            ["Demo__KeyFile"] = keyFile,
            ["Inference__ModelPath"] = model,
            // 128 tokens an answer, as the inference bench: the synthetic model's random words rarely end sooner.
            ["Inference__MaxNewTokens"] = "128",
            ["Inference__ParallelSequences"] = parallel,
            ["Inference__KvCacheType"] = kv,
            ["Quotas__PolicyFile"] = Path.Combine(work, "quotas.json"),
            ["Audit__Sink"] = "Off",
        });
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5), BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        await AckBench.WaitReady($"http://127.0.0.1:{port}/readyz", intervalMs: 20, withinSeconds: 60);
        var readySeconds = Stopwatch.GetElapsedTime(started).TotalSeconds;

        var keys = JsonDocument.Parse(File.ReadAllText(keyFile)).RootElement;
        var (token, aesKey) = (keys.GetProperty("weComAiBotToken").GetString()!, keys.GetProperty("weComAiBotAesKey").GetString()!);
        await Crowd(http, token, aesKey, users, "warm");
        var (ttfts, allSeconds) = await Crowd(http, token, aesKey, users, "measured");
        Array.Sort(ttfts);
        Console.WriteLine(JsonSerializer.Serialize(new
        {
            crowd = users,
            parallel = int.Parse(parallel, CultureInfo.InvariantCulture),
            kv,
            readySeconds,
            ttftMean = ttfts.Average(),
            ttftP95 = ttfts[(int)Math.Ceiling(0.95 * ttfts.Length) - 1],
            allAnsweredSeconds = allSeconds,
            rssPeakMb = AckBench.StatusMb(bot.Id, "VmHWM:"),
            rssMb = AckBench.StatusMb(bot.Id, "VmRSS:"),
        }));
        bot.Kill(entireProcessTree: true);
        Directory.Delete(work, recursive: true);
        return 0;
    }

    /// <summary>Every user asks at once; returns each one's seconds to the answer's first words, and to the last answer.</summary>
    private static async Task<(double[] Ttfts, double All)> Crowd(HttpClient http, string token, string aesKey, int users, string round)
    {
        var notice = new AnswerOptions().PlaceInLineText;
        var noticeStart = notice[..notice.IndexOf("{0}", StringComparison.Ordinal)];
        var clock = Stopwatch.StartNew();
        var results = await Task.WhenAll(Enumerable.Range(0, users).Select(async i =>
        {
            var msgId = $"{round}-{i}-{Guid.NewGuid():N}";
            // A general question (no policy term): the model's part alone, not the length of grounding passages.
            var callback = SimulatedCallback.WeComAiBot(token, aesKey, msgId, $"{round}-user{i}", "你好，请介绍一下你自己。", null, DateTimeOffset.UtcNow);
            using (var response = await http.SendAsync(callback.ToRequest(http.BaseAddress!)))
            {
                response.EnsureSuccessStatusCode();
            }

            double? first = null;
            while (clock.Elapsed < TimeSpan.FromMinutes(5))
            {
                using var reply = await http.GetAsync(new Uri($"/demo/replies/{msgId}", UriKind.Relative));
                if (reply.StatusCode == HttpStatusCode.OK)
                {
                    var text = await reply.Content.ReadAsStringAsync();
                    if (first is null && text.Length > 0 && !text.StartsWith(noticeStart, StringComparison.Ordinal))
                    {
                        first = clock.Elapsed.TotalSeconds;
                    }

                    if (reply.Headers.TryGetValues("X-Demo-Answer-Finished", out var finished) && finished.First() == "true")
                    {
                        return (First: first ?? clock.Elapsed.TotalSeconds, Done: clock.Elapsed.TotalSeconds);
                    }
                }

                await Task.Delay(20);
            }

            throw new TimeoutException($"{msgId} was not answered within 5 minutes.");
        }));
        return (results.Select(r => r.First).ToArray(), results.Max(r => r.Done));
    }
}
