using System.Diagnostics;
using System.Text.Json;
using ChatBot.Inference;
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
        var prefill = args.Length > 2 ? Enum.Parse<PrefillPolicy>(args[2], ignoreCase: true) : new InferenceOptions().Prefill;
        var users = args.Length > 3 ? int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture) : 4;
        var parallel = args.Length > 4 ? int.Parse(args[4], System.Globalization.CultureInfo.InvariantCulture) : 4;
        var kv = args.Length > 5 ? Enum.Parse<KvCacheType>(args[5], ignoreCase: true) : KvCacheType.F16;
        var workload = Path.Combine(AppContext.BaseDirectory, "workload");
        var system = File.ReadAllText(Path.Combine(workload, "system-prompt.txt")).Trim();
        var questions = File.ReadAllText(Path.Combine(workload, "user-prompts.txt")).Trim().Split('\n');

        var load = Stopwatch.StartNew();
        var nativeBuild = NativeLibraries.Load();
        using var model = NativeLibraries.LoadModel(modelPath);
        using var engine = new LlamaEngine(model, new LlamaEngineSettings(Parallel: parallel, ContextSize: 2048, BatchSize: 512, Threads: threads, GatherWindow: new InferenceOptions().AdmissionWindow,
            SequentialPrefill: prefill == PrefillPolicy.Sequential, KvCache: kv), NullLogger.Instance);
        var loadSeconds = load.Elapsed.TotalSeconds;

        // Warm-up, as llama-bench does before it measures: the weights are paged in and the JIT has settled (its
        // background recompiles of the hot loop would otherwise take a core from ggml during tg128).
        await Drain(engine.Submit(new GenerationRequest(model.Tokenize("Warm up", false, false), null, 64, SamplingSettings.Greedy, CancellationToken.None) { IgnoreEndOfGeneration = true }));

        // pp512: the prompt is evaluated and one token sampled; prompt time ≈ time to that token.
        var filler = model.Tokenize(string.Concat(Enumerable.Repeat(system + " ", 8)), false, false)[..512];
        var pp = engine.Submit(new GenerationRequest(filler, null, 1, SamplingSettings.Greedy, CancellationToken.None));
        await Drain(pp);
        var ppRate = 512 / pp.TimeToFirstToken!.Value.TotalSeconds;

        // tg128 after a short prompt, end-of-generation ignored, as llama-bench -r 3 measures it: the mean rate of three runs.
        var tgRates = new List<double>();
        for (var run = 0; run < 3; run++)
        {
            var started = Stopwatch.GetTimestamp();
            var tg = engine.Submit(new GenerationRequest(model.Tokenize("Hello", false, false), null, 128, SamplingSettings.Greedy, CancellationToken.None) { IgnoreEndOfGeneration = true });
            await Drain(tg);
            tgRates.Add((tg.GeneratedTokens - 1) / (Stopwatch.GetElapsedTime(started) - tg.TimeToFirstToken!.Value).TotalSeconds);
        }

        var tgRate = tgRates.Average();

        var prefix = model.SharedPrefix(system);
        var rounds = new List<object>();
        for (var round = 0; round < 3; round++)
        {
            var wall = Stopwatch.StartNew();
            var requests = Enumerable.Range(0, users).Select(i =>
            {
                var prompt = model.Tokenize(model.ApplyTemplate([("system", system), ("user", questions[(i + round) % questions.Length] + $" (round {round})")], true), false, true);
                return engine.Submit(new GenerationRequest(prompt, prefix, 128, SamplingSettings.Greedy, CancellationToken.None) { IgnoreEndOfGeneration = true });
            }).ToList();
            var traces = await Task.WhenAll(requests.Select(r => Trace(r, wall)));
            var seconds = wall.Elapsed.TotalSeconds;
            var ttfts = requests.Select(r => r.TimeToFirstToken!.Value.TotalSeconds).Order().ToArray();

            var (aggregate, endToEnd) = Generation(traces, ttfts, seconds);
            rounds.Add(new
            {
                aggregate,
                endToEnd,
                ttft = users == 4 ? (ttfts[1] + ttfts[2]) / 2 : Median(ttfts),
                ttftMean = ttfts.Average(),
                ttftMax = ttfts[^1],
                systemTokens = prefix.Length,
            });
        }

        var rssMb = Environment.WorkingSet / 1e6;
        var peer = args.Length > 2 ? $"ChatBot, {prefill} prefill, {users} users, {parallel} sequences, {kv} KV"
            : nativeBuild ? "ChatBot (native build)" : "ChatBot (LLamaSharp)";
        Console.WriteLine(JsonSerializer.Serialize(new { peer, loadSeconds, pp = ppRate, tg = tgRate, rounds, rssMb }));
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

    internal static double Median(double[] sorted) => sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;

    /// <summary>
    /// A round's generation figures from each chat's trace (seconds since the round began, tokens so far), for the engine
    /// and llama-server alike. The aggregate, the figure to hold against tg128: tokens per second while the first four
    /// chats generate together, from the fourth's first token to the first chat's last. Prompt evaluation is what TTFT
    /// reports; end to end counts every token over the whole round, the prompts included.
    /// </summary>
    internal static (double Aggregate, double EndToEnd) Generation(IReadOnlyList<List<(double Seconds, int Tokens)>> traces, double[] sortedTtfts, double seconds)
    {
        var from = sortedTtfts[Math.Min(3, sortedTtfts.Length - 1)];
        var to = traces.Min(t => t[^1].Seconds);
        return (traces.Sum(t => TokensAt(t, to) - TokensAt(t, from)) / (to - from), traces.Sum(t => t[^1].Tokens) / seconds);
    }

    private static int TokensAt(List<(double Seconds, int Tokens)> trace, double seconds) =>
        trace.LastOrDefault(p => p.Seconds <= seconds).Tokens;

    internal static async Task Drain(GenerationRequest request)
    {
        await foreach (var _ in request.Output.ReadAllAsync())
        {
        }
    }
}
