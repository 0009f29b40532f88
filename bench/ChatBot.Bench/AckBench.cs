using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using ChatBot.Host.Cli;

namespace ChatBot.Bench;

/// <summary>
/// Ack latency of valid, signed and encrypted WeCom AI-bot callbacks at a fixed rate (open loop: latency is
/// measured from each request's scheduled time, so a stall is not hidden), against the real bot and against a
/// bare Kestrel endpoint, each in its own process, rounds interleaved.
/// </summary>
internal static class AckBench
{
    public static async Task<int> RunAsync(string[] args)
    {
        var host = args[0];          // path to ChatBot.Host.dll
        var model = args[1];         // tiny model: the answers run in the background, as in production
        var rate = int.Parse(args[2], CultureInfo.InvariantCulture);
        var seconds = int.Parse(args[3], CultureInfo.InvariantCulture);
        var rounds = int.Parse(args[4], CultureInfo.InvariantCulture);
        // "intake": this instance only takes callbacks in and queues them, workers run elsewhere (Queue:RunWorkers
        // false); "all-in-one": it also answers them, so at this rate inference competes with acks for both cores.
        var topology = args.Length > 5 ? args[5] : "intake";
        var work = Directory.CreateTempSubdirectory("chatbot-ack").FullName;
        File.WriteAllText(Path.Combine(work, "quotas.json"), """{ "timeZone": "Asia/Shanghai", "dailyLimit": 1000000 }""");
        var keyFile = Path.Combine(work, "demo-keys.json");

        var botPort = FreePort();
        var barePort = FreePort();
        using var bot = Start("dotnet", $"{host}", new Dictionary<string, string>
        {
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{botPort}",
            ["Demo__Enabled"] = "true",
            ["Demo__KeyFile"] = keyFile,
            ["Inference__ModelPath"] = model,
            ["Inference__MaxNewTokens"] = "8",
            ["Quotas__PolicyFile"] = Path.Combine(work, "quotas.json"),
            ["Logging__LogLevel__Default"] = Environment.GetEnvironmentVariable("BENCH_LOG_LEVEL") ?? "Information",
            ["Queue__RunWorkers"] = topology == "intake" ? "false" : "true",
        });
        using var bare = Start("dotnet", $"{typeof(AckBench).Assembly.Location} bare-server {barePort}", []);
        await WaitReady($"http://127.0.0.1:{botPort}/healthz");
        await WaitReady($"http://127.0.0.1:{barePort}/none", anyAnswer: true);
        var keys = JsonDocument.Parse(File.ReadAllText(keyFile)).RootElement;
        var token = keys.GetProperty("weComAiBotToken").GetString()!;
        var aesKey = keys.GetProperty("weComAiBotAesKey").GetString()!;

        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 512, PooledConnectionLifetime = TimeSpan.FromMinutes(5) });
        var results = new List<object>();
        for (var round = 0; round < rounds; round++)
        {
            foreach (var (name, port) in new[] { ("bare Kestrel", barePort), ("ChatBot", botPort) })
            {
                var warmup = Enumerable.Range(0, rate).Select(i => SimulatedCallback.WeComAiBot(token, aesKey, $"warm-{round}-{name.Length}-{i}", $"user{i % 500}", "预热", null, DateTimeOffset.UtcNow)).ToArray();
                await Fire(http, new Uri($"http://127.0.0.1:{port}"), warmup, rate);
                var requests = Enumerable.Range(0, rate * seconds)
                    .Select(i => SimulatedCallback.WeComAiBot(token, aesKey, $"bench-{round}-{name.Length}-{i}", $"user{i % 500}", "年假怎么算？", i % 3 == 0 ? "wrgroup" : null, DateTimeOffset.UtcNow))
                    .ToArray();
                var stats = await Fire(http, new Uri($"http://127.0.0.1:{port}"), requests, rate);
                results.Add(new { round, target = name, stats.P50, stats.P99, stats.Max, stats.Throughput, stats.Errors });
                Console.Error.WriteLine($"ack round {round} {name}: p50 {stats.P50:F2} ms, p99 {stats.P99:F2} ms, {stats.Throughput:F0}/s, {stats.Errors} errors");
            }
        }

        Console.WriteLine(JsonSerializer.Serialize(new { topology, rate, seconds, rounds = results }));
        bot.Kill(entireProcessTree: true);
        bare.Kill(entireProcessTree: true);
        return 0;
    }

    private sealed record Stats(double P50, double P99, double Max, double Throughput, int Errors);

    private static async Task<Stats> Fire(HttpClient http, Uri baseUrl, SimulatedCallback[] requests, int rate)
    {
        var latencies = new double[requests.Length];
        var errors = 0;
        var tasks = new Task[requests.Length];
        var start = Stopwatch.GetTimestamp();
        // Every millisecond, fire whatever is due, without spinning: on a 2-core machine a spinning load generator
        // takes the core the server under test needs. Latency still counts from each request's scheduled time.
        var next = 0;
        while (next < requests.Length)
        {
            var now = Stopwatch.GetTimestamp();
            while (next < requests.Length && start + (long)(next * (double)Stopwatch.Frequency / rate) <= now)
            {
                var index = next++;
                var due = start + (long)(index * (double)Stopwatch.Frequency / rate);
                tasks[index] = Task.Run(async () =>
                {
                    using var response = await http.SendAsync(requests[index].ToRequest(baseUrl));
                    latencies[index] = Stopwatch.GetElapsedTime(due).TotalMilliseconds;
                    if (response.StatusCode != HttpStatusCode.OK)
                    {
                        Interlocked.Increment(ref errors);
                    }
                });
            }

            await Task.Delay(1);
        }

        await Task.WhenAll(tasks);
        var elapsed = Stopwatch.GetElapsedTime(start).TotalSeconds;
        Array.Sort(latencies);
        return new Stats(latencies[latencies.Length / 2], latencies[(int)(latencies.Length * 0.99)], latencies[^1], requests.Length / elapsed, errors);
    }

    internal static Process Start(string file, string arguments, Dictionary<string, string> environment)
    {
        var info = new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }

        var process = Process.Start(info)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>Polls <paramref name="url"/> every <paramref name="intervalMs"/> until it answers (2xx, or anything with <paramref name="anyAnswer"/>).</summary>
    internal static async Task WaitReady(string url, bool anyAnswer = false, int intervalMs = 100, int withinSeconds = 30)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(withinSeconds))
        {
            try
            {
                using var response = await http.GetAsync(new Uri(url));
                if (anyAnswer || response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(intervalMs);
        }

        throw new TimeoutException($"{url} did not answer within {withinSeconds} s");
    }

    /// <summary>A memory line of a process's <c>/proc/PID/status</c> (VmRSS:, VmHWM:) in megabytes.</summary>
    internal static double StatusMb(int pid, string key) =>
        double.Parse(File.ReadLines($"/proc/{pid}/status").Single(l => l.StartsWith(key, StringComparison.Ordinal))
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1e3;

    internal static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
