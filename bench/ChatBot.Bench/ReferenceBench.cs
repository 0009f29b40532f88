using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ChatBot.Bench;

/// <summary>
/// llama.cpp's own tools as the reference, built from the same source as the libraries the bot loads
/// (scripts/native-build): <c>llama-bench</c> for pp512 and tg128, then <c>llama-server --parallel 4</c> for the
/// four-chat rounds of <see cref="InferenceBench"/> over its streaming HTTP API. Chat i always goes to slot i, so a
/// warm round reuses only the system prompt, as the bot's prefix cache does. Each tool runs twice: as shipped (the
/// model mapped from its file), and given what the bot gives its weights — huge pages, through glibc's
/// <c>glibc.malloc.hugetlb=1</c> and <c>--load-mode none</c> — so a lead can be told apart from the
/// memory it sits on. Prints one JSON line per tool and setting.
/// </summary>
internal static class ReferenceBench
{
    /// <param name="args">The tools' folder, the model, threads, and optionally the libraries' label: "npm" for the
    /// tools on the npm libraries (scripts/native-build's &lt;folder&gt;-npm), so each engine figure has a peer on its own libraries.</param>
    public static async Task<int> RunAsync(string[] args)
    {
        var (bin, modelPath, threads) = (args[0], args[1], args[2]);
        var libraries = args.Length > 3 && args[3] == "npm" ? " (npm libraries)" : "";
        var workload = Path.Combine(AppContext.BaseDirectory, "workload");
        var system = File.ReadAllText(Path.Combine(workload, "system-prompt.txt")).Trim();
        var users = File.ReadAllText(Path.Combine(workload, "user-prompts.txt")).Trim().Split('\n');

        foreach (var hugePages in new[] { false, true })
        {
            var suffix = libraries + (hugePages ? " (huge pages)" : "");
            var bench = await RunToEndAsync(Path.Combine(bin, "llama-bench"),
                ["-m", modelPath, "-t", threads, "-p", "512", "-n", "128", "-r", "3", "-o", "json", .. (hugePages ? ["-lm", "none"] : Array.Empty<string>())], hugePages);
            var tests = JsonNode.Parse(bench)!.AsArray();
            double Rate(string key) => tests.Single(t => t![key]!.GetValue<int>() > 0)!["avg_ts"]!.GetValue<double>();
            Console.WriteLine(JsonSerializer.Serialize(new { peer = "llama-bench" + suffix, pp = Rate("n_prompt"), tg = Rate("n_gen") }));

            try
            {
                var server = await ServeAsync(bin, modelPath, threads, hugePages, system, users);
                Console.WriteLine(JsonSerializer.Serialize(new { peer = "llama-server" + suffix, loadSeconds = server.LoadSeconds, rounds = server.Rounds, rssMb = server.RssMb }));
            }
            catch (HttpRequestException ex)
            {
                // llama-server died mid-answer (seen once with huge pages on the native build): a round without this
                // peer, said on stderr, rather than a run without every later peer.
                Console.Error.WriteLine($"llama-server{suffix}: failed this round ({ex.Message})");
            }
        }

        return 0;
    }

    private static async Task<(double LoadSeconds, List<object> Rounds, double RssMb)> ServeAsync(string bin, string modelPath, string threads, bool hugePages, string system, string[] users)
    {
        var port = AckBench.FreePort();
        var load = Stopwatch.StartNew();
        var start = new ProcessStartInfo(Path.Combine(bin, "llama-server"),
            ["-m", modelPath, "-t", threads, "-tb", threads, "-c", "8192", "--parallel", "4", "-b", "512", "-ub", "512",
             "--host", "127.0.0.1", "--port", port.ToString(CultureInfo.InvariantCulture), "--no-webui", "--log-disable",
             .. (hugePages ? ["--load-mode", "none"] : Array.Empty<string>())])
        { RedirectStandardOutput = true, RedirectStandardError = true };
        HugePagesThroughGlibc(start, hugePages);
        using var server = Process.Start(start)!;
        server.OutputDataReceived += (_, _) => { };
        server.ErrorDataReceived += (_, _) => { };
        server.BeginOutputReadLine();
        server.BeginErrorReadLine();
        try
        {
            await AckBench.WaitReady($"http://127.0.0.1:{port}/health", intervalMs: 50);
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromMinutes(5) };
            var loadSeconds = load.Elapsed.TotalSeconds;
            string Chat(string user) => $"<|im_start|>system\n{system}<|im_end|>\n<|im_start|>user\n{user}<|im_end|>\n<|im_start|>assistant\n";
            await StreamAsync(http, Chat("Warm up"), 64, slot: 0, Stopwatch.StartNew());
            var rounds = new List<object>();
            for (var round = 0; round < 3; round++)
            {
                var wall = Stopwatch.StartNew();
                var traces = await Task.WhenAll(Enumerable.Range(0, 4).Select(i =>
                    StreamAsync(http, Chat(users[(i + round) % users.Length] + $" (round {round})"), 128, i, wall)));
                var seconds = wall.Elapsed.TotalSeconds;
                var ttfts = traces.Select(t => t[0].Seconds).Order().ToArray();
                var (aggregate, endToEnd) = InferenceBench.Generation(traces, ttfts, seconds);
                rounds.Add(new
                {
                    aggregate,
                    endToEnd,
                    ttft = (ttfts[1] + ttfts[2]) / 2,
                });
            }

            return (loadSeconds, rounds, AckBench.StatusMb(server.Id, "VmRSS:"));
        }
        finally
        {
            server.Kill(entireProcessTree: true);
            await server.WaitForExitAsync();
        }
    }

    /// <summary>glibc then advises huge pages for every large allocation, the weights' among them (glibc 2.35+).</summary>
    private static void HugePagesThroughGlibc(ProcessStartInfo start, bool hugePages)
    {
        if (hugePages)
        {
            start.Environment["GLIBC_TUNABLES"] = "glibc.malloc.hugetlb=1";
        }
    }

    /// <summary>One streamed completion on a pinned slot: (seconds since <paramref name="clock"/> started, tokens so far) per event.</summary>
    private static async Task<List<(double Seconds, int Tokens)>> StreamAsync(HttpClient http, string prompt, int tokens, int slot, Stopwatch clock)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/completion")
        {
            Content = JsonContent.Create(new
            {
                prompt,
                n_predict = tokens,
                id_slot = slot,
                cache_prompt = true,
                stream = true,
                temperature = 0,
                ignore_eos = true,
                return_tokens = true,
            }),
        };
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        response.EnsureSuccessStatusCode();
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var trace = new List<(double, int)>();
        var count = 0;
        while (await reader.ReadLineAsync() is { } line)
        {
            if (!line.StartsWith("data: ", StringComparison.Ordinal))
            {
                continue;
            }

            var data = JsonNode.Parse(line[6..])!;
            count += data["tokens"]?.AsArray().Count ?? 0;
            if (count > 0)
            {
                trace.Add((clock.Elapsed.TotalSeconds, count));
            }

            if (data["stop"]?.GetValue<bool>() == true)
            {
                break;
            }
        }

        return trace;
    }

    private static async Task<string> RunToEndAsync(string file, string[] arguments, bool hugePages)
    {
        var start = new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true };
        HugePagesThroughGlibc(start, hugePages);
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        return process.ExitCode == 0 ? output : throw new InvalidOperationException($"{Path.GetFileName(file)} exited {process.ExitCode}: {await error}");
    }
}
