using System.Diagnostics;
using System.Text;
using System.Text.Json;
using LLama.Native;
using HugePageWeights = ChatBot.Inference.Native.HugePageWeights;

namespace ChatBot.Bench;

/// <summary>
/// LLamaSharp 0.30.0 and the llama.cpp it ships (LLamaSharp.Backend.Cpu, c0c7e147), on the loop llama-bench runs:
/// warm-up, pp512 (one decode of 512 prompt tokens), tg128 (one token a decode, greedy), and four sequences
/// generating together (one token each a decode) — the figures that decide what moves onto it. Runs in a process
/// of its own: its libllama and ours (npm v0.5.0) have different layouts and must never meet. Prints one JSON line.
/// </summary>
internal static class LlamaSharpBench
{
    public static int Run(string[] args)
    {
        var modelPath = args[0];
        var threads = int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture);
        var workload = Path.Combine(AppContext.BaseDirectory, "workload");
        var system = File.ReadAllText(Path.Combine(workload, "system-prompt.txt")).Trim();

        var load = Stopwatch.StartNew();
        NativeLibraryConfig.All.WithLogCallback((_, _) => { });
        NativeApi.llama_empty_call(); // runs LLamaSharp's library resolver before the first struct default
        var modelParams = LLamaModelParams.Default();
        modelParams.n_gpu_layers = 0;

        // the weights on huge pages, as the bot and our raw loop have them, so the comparison is of the bindings
        var hugePages = NativeLibraries.HugePages ? HugePageWeights.Begin() : null;
        if (hugePages is not null)
        {
            modelParams.load_mode = LLamaLoadMode.None;
        }

        using var model = SafeLlamaModelHandle.LoadFromFile(modelPath, modelParams);
        hugePages?.End();
        NativeLibraries.Report(hugePages?.Promote());
        var contextParams = LLamaContextParams.Default();
        contextParams.n_ctx = 5 * 2048;
        contextParams.n_batch = 512;
        contextParams.n_ubatch = 512;
        contextParams.n_seq_max = 5;
        contextParams.n_threads = threads;
        contextParams.n_threads_batch = threads;
        contextParams.kv_unified = false;
        contextParams.no_perf = true;
        using var context = SafeLLamaContextHandle.Create(model, contextParams);
        var loadSeconds = load.Elapsed.TotalSeconds;
        var vocab = model.Vocab.Count;
        var batch = new LLamaBatch();

        Generate(context, batch, vocab, model.Tokenize("Warm up", false, false, Encoding.UTF8), 1, 64);
        context.MemoryClear();

        var filler = model.Tokenize(string.Concat(Enumerable.Repeat(system + " ", 8)), false, false, Encoding.UTF8)[..512];
        var started = Stopwatch.GetTimestamp();
        batch.Clear();
        batch.AddRange(filler, 0, (LLamaSeqId)1, true);
        Check(context.Decode(batch));
        var pp = 512 / Stopwatch.GetElapsedTime(started).TotalSeconds;
        context.MemoryClear();

        var tg = Generate(context, batch, vocab, model.Tokenize("Hello", false, false, Encoding.UTF8), 1, 128);
        context.MemoryClear();
        var gen4 = Generate(context, batch, vocab, model.Tokenize("Hello", false, false, Encoding.UTF8), 4, 128);

        Console.WriteLine(JsonSerializer.Serialize(new { peer = "LLamaSharp 0.30.0", loadSeconds, pp, tg, gen4, rssMb = Environment.WorkingSet / 1e6 }));
        return 0;
    }

    /// <summary>Tokens per second over <paramref name="tokens"/> steps after the prompt, <paramref name="sequences"/> at once.</summary>
    private static double Generate(SafeLLamaContextHandle context, LLamaBatch batch, int vocab, LLamaToken[] prompt, int sequences, int tokens)
    {
        var last = new LLamaToken[sequences];
        batch.Clear();
        for (var s = 0; s < sequences; s++)
        {
            batch.AddRange(prompt, 0, (LLamaSeqId)(s + 1), true);
        }

        Check(context.Decode(batch));
        for (var s = 0; s < sequences; s++)
        {
            last[s] = Greedy(context.GetLogitsIth((prompt.Length * (s + 1)) - 1), vocab);
        }

        var started = Stopwatch.GetTimestamp();
        for (var step = 0; step < tokens - 1; step++)
        {
            batch.Clear();
            for (var s = 0; s < sequences; s++)
            {
                batch.Add(last[s], prompt.Length + step, (LLamaSeqId)(s + 1), true);
            }

            Check(context.Decode(batch));
            for (var s = 0; s < sequences; s++)
            {
                last[s] = Greedy(context.GetLogitsIth(s), vocab);
            }
        }

        return sequences * (tokens - 1) / Stopwatch.GetElapsedTime(started).TotalSeconds;
    }

    private static LLamaToken Greedy(Span<float> logits, int vocab)
    {
        var best = 0;
        for (var i = 1; i < vocab; i++)
        {
            if (logits[i] > logits[best])
            {
                best = i;
            }
        }

        return (LLamaToken)best;
    }

    private static void Check(DecodeResult result)
    {
        if (result != DecodeResult.Ok)
        {
            throw new InvalidOperationException($"llama_decode returned {result}");
        }
    }
}
