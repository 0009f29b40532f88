using System.Diagnostics;
using System.Text.Json;
using ChatBot.Inference.Engine;
using ChatBot.Inference.Native;
using Microsoft.Extensions.Logging.Abstractions;

namespace ChatBot.Bench;

/// <summary>
/// The loop of <see cref="LlamaSharpBench"/> on our own bindings and the npm libraries, without the engine: with
/// LLamaSharp's figures it separates what the binding layer and library cost from what our scheduler costs.
/// Prints one JSON line.
/// </summary>
internal static unsafe class RawLoopBench
{
    public static int Run(string[] args)
    {
        var modelPath = args[0];
        var threads = int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture);
        var pool = args.Length < 3 || args[2] != "no-threadpool";
        var pairedWithEngine = args.Length > 2 && args[2] == "paired-engine";
        var system = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "workload", "system-prompt.txt")).Trim();

        var nativeBuild = NativeLibraries.Load();
        using var model = NativeLibraries.LoadModel(modelPath);
        var parameters = LlamaNative.llama_context_default_params();
        parameters.n_ctx = 5 * 2048;
        parameters.n_batch = 512;
        parameters.n_ubatch = 512;
        parameters.n_seq_max = 5;
        parameters.n_threads = threads;
        parameters.n_threads_batch = threads;
        parameters.no_perf = 1;
        parameters.kv_unified = 0;
        using var context = SafeLlamaContextHandle.From(LlamaNative.llama_init_from_model(model.Handle, parameters));
        using var threadPool = pool ? SafeGgmlThreadPoolHandle.Create(threads) : null;
        if (threadPool is not null)
        {
            LlamaNative.llama_attach_threadpool(context.DangerousGetHandle(), threadPool.DangerousGetHandle(), threadPool.DangerousGetHandle());
        }

        using var batch = SafeLlamaBatchHandle.Create(512, 1);
        var memory = LlamaNative.llama_get_memory(context.DangerousGetHandle());
        var raw = new Loop(context.DangerousGetHandle(), batch, model.VocabSize);

        raw.Generate(model.Tokenize("Warm up", false, false), 1, 64);
        LlamaNative.llama_memory_seq_rm(memory, -1, -1, -1);
        if (pairedWithEngine)
        {
            return PairedWithEngine(model, threads, () =>
            {
                var rate = raw.Generate(model.Tokenize("Hello", false, false), 1, 128);
                LlamaNative.llama_memory_seq_rm(memory, -1, -1, -1);
                return rate;
            });
        }

        var filler = model.Tokenize(string.Concat(Enumerable.Repeat(system + " ", 8)), false, false)[..512];
        var started = Stopwatch.GetTimestamp();
        raw.Decode(filler, 0, 1, lastOutput: true);
        var pp = 512 / Stopwatch.GetElapsedTime(started).TotalSeconds;
        LlamaNative.llama_memory_seq_rm(memory, -1, -1, -1);
        var tg = raw.Generate(model.Tokenize("Hello", false, false), 1, 128);
        LlamaNative.llama_memory_seq_rm(memory, -1, -1, -1);
        var gen4 = raw.Generate(model.Tokenize("Hello", false, false), 4, 128);
        Console.WriteLine(JsonSerializer.Serialize(new { peer = "own bindings, raw loop" + (pool ? "" : ", no thread pool") + (nativeBuild ? ", native build" : ""), pp, tg, gen4 }));
        return 0;
    }

    /// <summary>
    /// tg128 of the engine and of this raw loop alternately in one process, six pairs: what the engine's scheduling
    /// costs, without the drift between processes that separate runs carry.
    /// </summary>
    private static int PairedWithEngine(LlamaModel model, int threads, Func<double> rawTg)
    {
        using var engine = new LlamaEngine(model, new LlamaEngineSettings(Parallel: 4, ContextSize: 2048, BatchSize: 512, Threads: threads), NullLogger.Instance);
        double EngineTg()
        {
            var started = Stopwatch.GetTimestamp();
            var request = engine.Submit(new GenerationRequest(model.Tokenize("Hello", false, false), null, 128, SamplingSettings.Greedy, CancellationToken.None) { IgnoreEndOfGeneration = true });
            InferenceBench.Drain(request).GetAwaiter().GetResult();

            return (request.GeneratedTokens - 1) / (Stopwatch.GetElapsedTime(started) - request.TimeToFirstToken!.Value).TotalSeconds;
        }

        EngineTg();
        var pairs = Enumerable.Range(0, 6).Select(_ => (Engine: EngineTg(), Raw: rawTg())).ToList();
        var median = InferenceBench.Median([.. pairs.Select(p => p.Engine / p.Raw).Order()]);
        Console.WriteLine(JsonSerializer.Serialize(new { peer = "tg128 engine / raw loop, one process", pairs = pairs.Select(p => new[] { p.Engine, p.Raw }), median }));
        return 0;
    }

    private sealed class Loop(nint context, SafeLlamaBatchHandle batch, int vocab)
    {
        public void Decode(ReadOnlySpan<int> tokens, int start, int sequence, bool lastOutput)
        {
            var b = batch.Batch;
            batch.Clear();
            for (var i = 0; i < tokens.Length; i++)
            {
                batch.Add(tokens[i], start + i, sequence, lastOutput && i == tokens.Length - 1);
            }

            Check(LlamaNative.llama_decode(context, *b));
        }

        public double Generate(int[] prompt, int sequences, int tokens)
        {
            var b = batch.Batch;
            var last = new int[sequences];
            batch.Clear();
            for (var s = 0; s < sequences; s++)
            {
                for (var i = 0; i < prompt.Length; i++)
                {
                    batch.Add(prompt[i], i, s + 1, i == prompt.Length - 1);
                }
            }

            Check(LlamaNative.llama_decode(context, *b));
            for (var s = 0; s < sequences; s++)
            {
                last[s] = Greedy((prompt.Length * (s + 1)) - 1);
            }

            var started = Stopwatch.GetTimestamp();
            for (var step = 0; step < tokens - 1; step++)
            {
                batch.Clear();
                for (var s = 0; s < sequences; s++)
                {
                    batch.Add(last[s], prompt.Length + step, s + 1, true);
                }

                Check(LlamaNative.llama_decode(context, *b));
                for (var s = 0; s < sequences; s++)
                {
                    last[s] = Greedy(s);
                }
            }

            return sequences * (tokens - 1) / Stopwatch.GetElapsedTime(started).TotalSeconds;
        }

        private int Greedy(int row) => Samplers.Greedy(new ReadOnlySpan<float>(LlamaNative.llama_get_logits_ith(context, row), vocab));

        private static void Check(int result)
        {
            if (result != 0)
            {
                throw new InvalidOperationException($"llama_decode returned {result}");
            }
        }
    }
}
