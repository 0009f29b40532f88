using System.Diagnostics;
using System.Threading.Channels;

namespace ChatBot.Inference.Engine;

/// <summary>Sampling for one request. Temperature ≤ 0 means greedy (deterministic).</summary>
internal sealed record SamplingSettings(float Temperature, float TopP, int TopK, float MinP, float RepeatPenalty, int RepeatLastN, uint Seed)
{
    public static SamplingSettings Greedy { get; } = new(0, 1, 0, 0, 1, 0, 0);
}

internal enum GenerationFinish
{
    None,
    Stop,
    Length,
    Cancelled,
}

/// <summary>
/// One generation in the engine: its prompt tokens in, text pieces out through a channel. The engine's decode
/// thread is the only writer; the caller is the only reader.
/// </summary>
internal sealed class GenerationRequest(int[] prompt, int[]? prefix, int maxTokens, SamplingSettings sampling, CancellationToken cancellation)
{
    private readonly Channel<string> _output = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });

    public int[] Prompt { get; } = prompt;

    /// <summary>The system-prompt tokens every request shares; computed once into sequence 0 and copied.</summary>
    public int[]? Prefix { get; } = prefix;

    public int MaxTokens { get; } = maxTokens;

    public SamplingSettings Sampling { get; } = sampling;

    public CancellationToken Cancellation { get; } = cancellation;

    /// <summary>Generate exactly MaxTokens, as llama-bench does: for benchmarks on random-weight models only.</summary>
    internal bool IgnoreEndOfGeneration { get; init; }

    public long SubmittedAt { get; } = Stopwatch.GetTimestamp();

    public ChannelReader<string> Output => _output.Reader;

    internal ChannelWriter<string> Writer => _output.Writer;

    public GenerationFinish Finish { get; internal set; }

    public int CachedPromptTokens { get; internal set; }

    public int GeneratedTokens { get; internal set; }

    public TimeSpan? TimeToFirstToken { get; internal set; }

    /// <summary>Wakes the decode loop on cancellation; disposed when the request completes.</summary>
    internal CancellationTokenRegistration WakeOnCancel { get; set; }

    internal void Close(GenerationFinish finish, Exception? error)
    {
        Finish = finish;
        WakeOnCancel.Dispose();
        _output.Writer.TryComplete(error);
    }
}
