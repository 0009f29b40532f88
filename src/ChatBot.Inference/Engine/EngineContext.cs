using LLama.Exceptions;
using LLama.Native;
using Microsoft.Extensions.Logging;

namespace ChatBot.Inference.Engine;

/// <summary>The engine's one llama.cpp context: every sequence's KV cells, in their own streams, of the asked cache type.</summary>
internal static partial class EngineContext
{
    private const int QuantisationBlock = 32;

    /// <returns>The context and the settings it was made with (the KV cache type may have fallen back to F16).</returns>
    public static (SafeLLamaContextHandle Context, LlamaEngineSettings Settings) Create(LlamaModel model, LlamaEngineSettings settings, ILogger logger)
    {
        var parameters = LLamaContextParams.Default();
        parameters.n_ctx = (uint)settings.TotalCells;
        parameters.n_batch = (uint)settings.BatchSize;
        parameters.n_ubatch = (uint)settings.BatchSize;
        parameters.n_seq_max = (uint)settings.Parallel + 1;
        parameters.n_threads = settings.Threads;
        parameters.n_threads_batch = settings.Threads;
        parameters.no_perf = true;
        parameters.kv_unified = false;
        parameters.type_k = parameters.type_v = (GGMLType)settings.KvCache;
        // A quantised cache needs head sizes that are whole blocks (32); a model without them still runs, in F16.
        // Asked anyway, this llama.cpp aborts the process (an assertion) rather than refusing the context.
        var wholeBlocks = model.HeadSize % QuantisationBlock == 0;
        var context = settings.KvCache == KvCacheType.F16 || wholeBlocks ? TryCreate(model, parameters) : null;
        if (context is null && settings.KvCache != KvCacheType.F16)
        {
            LogKvFallback(logger, settings.KvCache.ToString(), model.Path);
            settings = settings with { KvCache = KvCacheType.F16 };
            parameters.type_k = parameters.type_v = GGMLType.GGML_TYPE_F16;
            context = TryCreate(model, parameters);
        }

        return (context ?? throw new InvalidOperationException(
            $"llama.cpp could not create a context of {settings.Parallel + 1} × {settings.ContextSize} tokens of {settings.KvCache} (Inference:ParallelSequences, Inference:ContextSize, Inference:KvCacheType) for '{model.Path}'."),
            settings);
    }

    private static SafeLLamaContextHandle? TryCreate(LlamaModel model, LLamaContextParams parameters)
    {
        try
        {
            return SafeLLamaContextHandle.Create(model.Handle, parameters);
        }
        catch (RuntimeError)
        {
            return null;
        }
    }

    [LoggerMessage(EventId = 4103, Level = LogLevel.Warning,
        Message = "The KV cache cannot be {KvCache} for '{Path}' (its attention heads are not whole quantisation blocks); it runs in F16 (Inference:KvCacheType)")]
    private static partial void LogKvFallback(ILogger logger, string kvCache, string path);
}
