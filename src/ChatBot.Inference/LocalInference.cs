using ChatBot.Inference.Engine;
using ChatBot.Inference.Native;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ChatBot.Inference;

/// <summary>
/// Owns the native libraries, the model and the engine for the process. A hosted service: the model loads on a
/// background thread from the moment the host starts, while the rest of start-up (the knowledge index, Kestrel, the
/// first requests' JIT) runs beside it — <c>/readyz</c> says "loading the model" until it is — and a missing or broken model
/// still stops start-up, once the host has started, with a message that names the path and the setting.
/// </summary>
public sealed partial class LocalInference(IOptionsMonitor<InferenceOptions> options, ILoggerFactory loggers) : IHostedLifecycleService, IDisposable
{
    private readonly Lock _gate = new();
    private LlamaModel? _model;
    private LlamaEngine? _engine;
    private LlamaChatClient? _client;
    private Task<LlamaChatClient>? _loading;
    private Thread? _hugePages;
    private TimeSpan _loadTime;

    public bool IsLoaded => _client is not null;

    /// <summary>Answers being generated now (for metrics).</summary>
    public int ActiveSequences => _engine?.Active ?? 0;

    /// <summary>KV-cache cells the answers being generated hold (for metrics).</summary>
    public int KvCellsInUse => _engine?.CellsInUse ?? 0;

    public string? ModelDescription => _model is null ? null : $"{_model.Description} ({_model.Architecture}, {_model.SizeBytes / 1_000_000} MB)";

    /// <summary>The weights are random (a forged model): answers are noise. Said loudly at start.</summary>
    public bool IsSynthetic => _model?.Meta("general.name")?.StartsWith("chatbot-synthetic", StringComparison.Ordinal) == true;

    /// <summary>The engine's chat client; waits for the load, which it begins if the host has not.</summary>
    public IChatClient Client => Loading.GetAwaiter().GetResult();

    private Task<LlamaChatClient> Loading
    {
        get
        {
            lock (_gate)
            {
                return _loading ??= Task.Factory.StartNew(Load, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            }
        }
    }

    public Task StartingAsync(CancellationToken cancellationToken)
    {
        LogLoading(loggers.CreateLogger<LocalInference>(), options.CurrentValue.ModelPath);
        _ = Loading;
        return Task.CompletedTask;
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Waits for the load: a failure stops the host here, with its message.</summary>
    public async Task StartedAsync(CancellationToken cancellationToken)
    {
        await Loading.WaitAsync(cancellationToken);
        var logger = loggers.CreateLogger<LocalInference>();
        LogLoaded(logger, _model!.Path, ModelDescription!, _engine!.Settings.Parallel, _engine.Settings.ContextSize, _engine.Settings.KvCache.ToString(), _engine.Settings.Threads, LlamaLibrary.Directory, _model.WeightMemory, _loadTime.TotalMilliseconds);
        if (IsSynthetic)
        {
            LogSynthetic(logger, _model.Path);
        }

        // without a warm-up, start-up's burst is over now
        if (!options.CurrentValue.WarmUp)
        {
            MoveWeightsOntoHugePages();
        }
    }

    /// <summary>
    /// Has the kernel copy the weights onto huge pages (0.5–2 s of a core here) on a background thread that takes at
    /// most half a core (<see cref="HugePageWeights.Promote"/>), while answers may already run on them. Called once
    /// start-up's burst is over — after the warm-up question, or when the host has started if there is none: begun
    /// at start, the copy delayed the first ready answer by about half a second, taking a core and the memory-map
    /// lock from the first requests' JIT.
    /// </summary>
    public void MoveWeightsOntoHugePages()
    {
        lock (_gate)
        {
            if (_model is not { } model || _hugePages is not null)
            {
                return;
            }

            var logger = loggers.CreateLogger<LocalInference>();
            _hugePages = new Thread(() => PromoteWeights(model, logger)) { IsBackground = true, Name = "huge pages" };
            _hugePages.Start();
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private LlamaChatClient Load()
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var settings = options.CurrentValue;
        var nativeLogger = loggers.CreateLogger("ChatBot.Inference.Native");
        LlamaLibrary.Load(settings.NativeLibraryPath, settings.NativeLog ? nativeLogger : Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        Verify(Path.GetFullPath(settings.ModelPath), settings.ModelSha256.Trim());
        if (settings.LockMemory)
        {
            // Before the weights arrive, so they and the KV cache are locked as they are allocated.
            MemoryLock.LockAll();
        }

        _model = LlamaModel.Load(Path.GetFullPath(settings.ModelPath), settings.BatchInvariant, settings.HugePages);
        var threads = settings.Threads > 0 ? settings.Threads : Environment.ProcessorCount;
        _engine = new LlamaEngine(_model, new LlamaEngineSettings(settings.ParallelSequences, settings.ContextSize, settings.BatchSize, threads, settings.AdmissionWindow,
            settings.Prefill == PrefillPolicy.Sequential, settings.KvCacheType, settings.ThreadPoolPoll),
            loggers.CreateLogger<LlamaEngine>());
        _loadTime = System.Diagnostics.Stopwatch.GetElapsedTime(started);
        var client = new LlamaChatClient(_engine, () => options.CurrentValue);
        Volatile.Write(ref _client, client);
        return client;
    }

    /// <summary>
    /// With <c>Inference:ModelSha256</c> set, the file is hashed before it is loaded, and a mismatch stops start-up
    /// (exit 2) before the bot answers anything: a model swapped or truncated on disk is never served.
    /// </summary>
    private void Verify(string path, string expected)
    {
        if (expected.Length == 0 || !File.Exists(path))
        {
            return; // not pinned; a missing file is the loader's to name
        }

        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        string actual;
        using (var file = File.OpenRead(path))
        {
            actual = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(file));
        }

        if (!actual.Equals(expected, StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException($"Inference:ModelSha256 does not match '{path}': its SHA-256 is {actual}, the setting says {expected.ToLowerInvariant()}. " +
                "The file is not the model that was pinned (a truncated copy, another quantisation, or a swapped file): copy the model again, or correct the setting.");
        }

        LogVerified(loggers.CreateLogger<LocalInference>(), path, System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds);
    }

    public void Dispose()
    {
        // a load under way finishes before its model is freed; its failure was reported at start
        try
        {
            _loading?.Wait(TimeSpan.FromMinutes(1));
        }
        catch (AggregateException)
        {
        }

        // the model's memory must outlive the kernel's work on it
        _hugePages?.Join(TimeSpan.FromSeconds(30));
        _engine?.Dispose();
        _model?.Dispose();
    }

    private static void PromoteWeights(LlamaModel model, ILogger logger)
    {
        try
        {
            if (model.PromoteWeightsToHugePages() is not { } result)
            {
                return;
            }

            // judged by the outcome: a refusal on some other mapping the load saw appear is not the weights' (the noted
            // mappings can hold more than the weights, and a small model less, as only whole 2 MiB pages move)
            if (result.HugePageBytes * 2 >= model.SizeBytes)
            {
                LogHugePages(logger, result.HugePageBytes >> 20, model.SizeBytes >> 20, result.Elapsed.TotalMilliseconds);
            }
            else
            {
                LogHugePagesFailed(logger, result.HugePageBytes >> 20, model.SizeBytes >> 20, result.Error ?? "the kernel kept small pages");
            }
        }
        catch (IOException error)
        {
            LogHugePagesFailed(logger, 0, model.SizeBytes >> 20, error.Message);
        }
    }

    [LoggerMessage(EventId = 4204, Level = LogLevel.Information, Message = "Model {Path}: SHA-256 matches Inference:ModelSha256 (hashed in {ElapsedMs:F0} ms)")]
    private static partial void LogVerified(ILogger logger, string path, double elapsedMs);

    [LoggerMessage(EventId = 4199, Level = LogLevel.Information, Message = "Loading the model {Path}: /readyz answers 503 (Starting) until it is loaded")]
    private static partial void LogLoading(ILogger logger, string path);

    [LoggerMessage(EventId = 4200, Level = LogLevel.Information,
        Message = "Local inference ready: {Path} — {Description}; {Parallel} parallel sequences, context {Context} ({KvCache} KV cache), {Threads} threads; llama.cpp libraries from {Libraries}; weights {Weights}; loaded in {LoadMs:F0} ms")]
    private static partial void LogLoaded(ILogger logger, string path, string description, int parallel, int context, string kvCache, int threads, string libraries, string weights, double loadMs);

    [LoggerMessage(EventId = 4201, Level = LogLevel.Warning,
        Message = "!!! {Path} is a SYNTHETIC model with random weights: replies are random text. Put the real Qwen2.5-0.5B-Instruct GGUF at Inference:ModelPath for real answers. !!!")]
    private static partial void LogSynthetic(ILogger logger, string path);

    [LoggerMessage(EventId = 4202, Level = LogLevel.Information, Message = "Model weights moved onto transparent huge pages: {MiB} MiB of the memory the load filled (the model: {ModelMiB} MiB), in {ElapsedMs:F0} ms")]
    private static partial void LogHugePages(ILogger logger, long miB, long modelMiB, double elapsedMs);

    [LoggerMessage(EventId = 4203, Level = LogLevel.Warning,
        Message = "Model weights only partly on transparent huge pages ({MiB} MiB; the model: {ModelMiB} MiB): {Error}. Generation runs, about a tenth slower for one chat; Inference:HugePages=false maps the file instead")]
    private static partial void LogHugePagesFailed(ILogger logger, long miB, long modelMiB, string error);
}

public static class LocalInferenceRegistration
{
    /// <summary>The local engine behind <see cref="Microsoft.Extensions.AI.IChatClient"/>; <see cref="InferenceOptions"/> bound and validated by the caller.</summary>
    public static IHostApplicationBuilder AddLocalInference(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<LocalInference>();
        builder.Services.AddHostedService(provider => provider.GetRequiredService<LocalInference>());
        builder.Services.AddSingleton(provider => provider.GetRequiredService<LocalInference>().Client);
        return builder;
    }
}
