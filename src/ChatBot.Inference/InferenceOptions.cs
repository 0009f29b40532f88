using System.ComponentModel.DataAnnotations;

namespace ChatBot.Inference;

/// <summary>Section <c>Inference</c>: which model answers, and how.</summary>
public sealed class InferenceOptions
{
    public const string Section = "Inference";

    /// <summary><c>Local</c> (llama.cpp in process) or <c>OpenAI</c> (an OpenAI-compatible server: vLLM, llama-server).</summary>
    public string Provider { get; set; } = "Local";

    /// <summary>The GGUF file for the local provider.</summary>
    public string ModelPath { get; set; } = "models/qwen2.5-0.5b-instruct-q4_k_m.gguf";

    /// <summary>
    /// The SHA-256 the admin expects of the model file (from where it was obtained). Start-up hashes the file before
    /// loading it and stops (exit 2) on a mismatch, so a swapped or truncated model is never served; <c>doctor</c>
    /// compares it too. Empty: not compared.
    /// </summary>
    public string ModelSha256 { get; set; } = "";

    /// <summary>Folder of a custom llama.cpp build of the commit LLamaSharp binds; empty: the libraries LLamaSharp.Backend.Cpu restores.</summary>
    public string NativeLibraryPath { get; set; } = "";

    /// <summary>CPU threads for decoding; 0 = every core.</summary>
    [Range(0, 256)]
    public int Threads { get; set; }

    /// <summary>Requests decoded together in one context (continuous batching).</summary>
    [Range(1, 64)]
    public int ParallelSequences { get; set; } = 4;

    /// <summary>Positions per sequence: system prompt + history + answer. The KV cache holds ParallelSequences + 1 of them.</summary>
    [Range(256, 32768)]
    public int ContextSize { get; set; } = 2048;

    [Range(32, 8192)]
    public int BatchSize { get; set; } = 512;

    /// <summary>
    /// Waking from idle, how long the decode loop waits for more questions before its first step, so questions sent
    /// together are evaluated together rather than the first alone while the rest wait out its prompt. 0 = none.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:00:01")]
    public TimeSpan AdmissionWindow { get; set; } = TimeSpan.FromMilliseconds(15);

    /// <summary>
    /// Element type of the KV cache (every sequence's context, allocated at start): <c>Q8_0</c>, the default, holds it
    /// in about half the memory of <c>F16</c>, measured no slower (README, "When more people ask").
    /// </summary>
    public KvCacheType KvCacheType { get; set; } = KvCacheType.Q8_0;

    /// <summary>
    /// How hard llama.cpp's worker threads poll for the next decode instead of sleeping: 50 (llama.cpp's default) keeps
    /// generation fastest; 0 frees the cores between decodes for an instance that also takes heavy webhook traffic
    /// (measured in the README: ack p50 about a quarter lower at 500 callbacks/s, generation about 7 % slower).
    /// Only ggml's own thread pool polls so: LLamaSharp.Backend.Cpu's Linux builds run OpenMP threads instead, whose
    /// equivalent is <c>OMP_WAIT_POLICY=PASSIVE</c> in the environment (README, Runs on).
    /// </summary>
    [Range(0, 100)]
    public int ThreadPoolPoll { get; set; } = 50;

    /// <summary>
    /// How waiting prompts are evaluated: <c>Sequential</c> (one a step, in arrival order: the first asker's first
    /// token comes after its own prompt, not everyone's) or <c>Together</c> (all in one step). Measured in bench/run.
    /// </summary>
    public PrefillPolicy Prefill { get; set; } = PrefillPolicy.Sequential;

    [Range(1, 8192)]
    public int MaxNewTokens { get; set; } = 512;

    [Range(0.0, 2.0)]
    public float Temperature { get; set; } = 0.7f;

    [Range(0.0, 1.0)]
    public float TopP { get; set; } = 0.8f;

    [Range(0, 1000)]
    public int TopK { get; set; } = 20;

    [Range(0.0, 1.0)]
    public float MinP { get; set; } = 0.05f;

    [Range(0.5, 2.0)]
    public float RepeatPenalty { get; set; } = 1.05f;

    /// <summary>Sampling seed; empty = random per request.</summary>
    public uint? Seed { get; set; }

    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromMinutes(3);

    /// <summary>
    /// Concurrent answers bit-identical to solo ones: turns off ggml's repacked weight layouts, whose GEMM/GEMV
    /// split depends on how many sequences share a step. Costs some speed; off by default.
    /// </summary>
    public bool BatchInvariant { get; set; }

    /// <summary>
    /// Reads the weights into memory on transparent huge pages instead of mapping the model file: generation about a
    /// tenth faster (README, Benchmarks). Off maps the file, so several instances on one host share its page cache.
    /// </summary>
    public bool HugePages { get; set; } = true;

    /// <summary>
    /// Lock the process's memory (weights, KV cache) in RAM, for hosts where swap cannot be turned off. Needs
    /// RLIMIT_MEMLOCK at least the resident size (systemd LimitMEMLOCK=infinity); refused otherwise, naming the limit.
    /// </summary>
    public bool LockMemory { get; set; }

    /// <summary>Answer one fixed question at start so the first real one is not cold (weights paged in, system prompt cached).</summary>
    public bool WarmUp { get; set; } = true;

    /// <summary>Route llama.cpp's own log to ILogger at Debug; quiet otherwise.</summary>
    public bool NativeLog { get; set; }

    public OpenAIProviderOptions OpenAI { get; set; } = new();
}

#pragma warning disable CA1707 // the ggml type names, as llama.cpp's own tools spell them
public enum KvCacheType
{
    F16 = 1,
    Q8_0 = 8,
}
#pragma warning restore CA1707

public enum PrefillPolicy
{
    Sequential,
    Together,
}

/// <summary>Section <c>Inference:OpenAI</c>: an OpenAI-compatible chat completions server.</summary>
public sealed class OpenAIProviderOptions
{
    public string Endpoint { get; set; } = "";

    /// <summary>A secret: environment only (Inference__OpenAI__ApiKey).</summary>
    public string ApiKey { get; set; } = "";

    public string Model { get; set; } = "qwen2.5-0.5b-instruct";

    /// <summary>
    /// Questions go to <see cref="Endpoint"/>: by default it must be this machine or the private network (loopback,
    /// 10/8, 172.16/12, 192.168/16, link-local, IPv6 unique-local), so one setting cannot send employees' questions to a
    /// public cloud. True allows any address, and start-up logs a warning every time.
    /// </summary>
    public bool AllowRemoteEndpoint { get; set; }
}
