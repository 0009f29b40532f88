using System.Diagnostics;
using System.Text.Json;
using ChatBot.Inference.Engine;
using ChatBot.Inference.Native;
using Microsoft.Extensions.Logging.Abstractions;

namespace ChatBot.Bench;

/// <summary>
/// The same workload as bench/node/infer.mjs, on our bindings and engine: load, pp512, tg128, and 4 concurrent
/// chats sharing a ~300-token system prompt (round 1 cold, rounds 2–3 warm). Prints one JSON line.
/// </summary>
internal static class InferenceBench
{
    public static async Task<int> RunAsync(string[] args)
    {
        var modelPath = args[0];
        var threads = int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture);
        var workload = Path.Combine(AppContext.BaseDirectory, "workload");
        var system = File.ReadAllText(Path.Combine(workload, "system-prompt.txt")).Trim();
        var users = File.ReadAllText(Path.Combine(workload, "user-prompts.txt")).Trim().Split('\n');

        var load = Stopwatch.StartNew();
        LlamaLibrary.Load(LlamaLibrary.Locate(null) ?? throw new InvalidOperationException("run scripts/native-libs"), NullLogger.Instance);
        using var model = LlamaModel.Load(modelPath);
        using var engine = new LlamaEngine(model, new LlamaEngineSettings(Parallel: 4, ContextSize: 2048, BatchSize: 512, Threads: threads), NullLogger.Instance);
        var loadSeconds = load.Elapsed.TotalSeconds;

        // Warm-up, as llama-bench does before it measures: the weights are paged in and the JIT has settled (its
        // background recompiles of the hot loop would otherwise take a core from ggml during tg128).
        await Drain(engine.Submit(new GenerationRequest(model.Tokenize("Warm up", false, false), null, 64, SamplingSettings.Greedy, CancellationToken.None) { IgnoreEndOfGeneration = true }));

        // pp512: the prompt is evaluated and one token sampled; prompt time ≈ time to that token.
        var filler = model.Tokenize(string.Concat(Enumerable.Repeat(system + " ", 8)), false, false)[..512];
        var pp = engine.Submit(new GenerationRequest(filler, null, 1, SamplingSettings.Greedy, CancellationToken.None));
        await Drain(pp);
        var ppRate = 512 / pp.TimeToFirstToken!.Value.TotalSeconds;

        // tg128 after a short prompt, end-of-generation ignored (as llama-bench and the peer do).
        var started = Stopwatch.GetTimestamp();
        var tg = engine.Submit(new GenerationRequest(model.Tokenize("Hello", false, false), null, 128, SamplingSettings.Greedy, CancellationToken.None) { IgnoreEndOfGeneration = true });
        await Drain(tg);
        var tgRate = (tg.GeneratedTokens - 1) / (Stopwatch.GetElapsedTime(started) - tg.TimeToFirstToken!.Value).TotalSeconds;

        var prefix = model.Tokenize(model.ApplyTemplate([("system", system)], false), false, true);
        var rounds = new List<object>();
        for (var round = 0; round < 3; round++)
        {
            var wall = Stopwatch.StartNew();
            var requests = Enumerable.Range(0, 4).Select(i =>
            {
                var prompt = model.Tokenize(model.ApplyTemplate([("system", system), ("user", users[(i + round) % users.Length] + $" (round {round})")], true), false, true);
                return engine.Submit(new GenerationRequest(prompt, prefix, 128, SamplingSettings.Greedy, CancellationToken.None) { IgnoreEndOfGeneration = true });
            }).ToList();
            var traces = await Task.WhenAll(requests.Select(r => Trace(r, wall)));
            var seconds = wall.Elapsed.TotalSeconds;
            var ttfts = requests.Select(r => r.TimeToFirstToken!.Value.TotalSeconds).Order().ToArray();

            // Generation aggregate, the figure to hold against tg128: tokens per second while all four chats generate,
            // from the last chat's first token to the first chat's last. Prompt evaluation is what TTFT reports; end
            // to end counts every token over the whole round, the prompts included.
            var from = ttfts[^1];
            var to = traces.Min(t => t[^1].Seconds);
            rounds.Add(new
            {
                aggregate = traces.Sum(t => TokensAt(t, to) - TokensAt(t, from)) / (to - from),
                endToEnd = requests.Sum(r => r.GeneratedTokens) / seconds,
                ttft = (ttfts[1] + ttfts[2]) / 2,
                systemTokens = prefix.Length,
            });
        }

        var rssMb = Environment.WorkingSet / 1e6;
        Console.WriteLine(JsonSerializer.Serialize(new { peer = "ChatBot (own bindings)", loadSeconds, pp = ppRate, tg = tgRate, rounds, rssMb }));
        return 0;
    }

    /// <summary>Reads a request to its end, noting after every piece how many tokens it had produced and when.</summary>
    private static async Task<List<(double Seconds, int Tokens)>> Trace(GenerationRequest request, Stopwatch clock)
    {
        var trace = new List<(double, int)>();
        await foreach (var _ in request.Output.ReadAllAsync())
        {
            trace.Add((clock.Elapsed.TotalSeconds, request.GeneratedTokens));
        }

        trace.Add((clock.Elapsed.TotalSeconds, request.GeneratedTokens));
        return trace;
    }

    private static int TokensAt(List<(double Seconds, int Tokens)> trace, double seconds) =>
        trace.LastOrDefault(p => p.Seconds <= seconds).Tokens;

    private static async Task Drain(GenerationRequest request)
    {
        await foreach (var _ in request.Output.ReadAllAsync())
        {
        }
    }
}
