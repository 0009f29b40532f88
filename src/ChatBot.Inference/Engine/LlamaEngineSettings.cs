namespace ChatBot.Inference.Engine;

/// <summary>What the engine is built with; fixed for its lifetime.</summary>
/// <param name="ContextSize">Positions per sequence (prompt + answer); the context holds one such stream per sequence plus the shared prefix.</param>
/// <param name="GatherWindow">How long the loop, waking from idle, waits for more requests before its first step.</param>
/// <param name="SequentialPrefill">One prompt evaluated per step, in admission order, rather than every waiting prompt together.</param>
/// <param name="KvCache">The KV cache's element type.</param>
/// <param name="ThreadPoolPoll">How hard the ggml workers poll for the next graph between decodes (0–100).</param>
internal sealed record LlamaEngineSettings(int Parallel, int ContextSize, int BatchSize, int Threads, TimeSpan GatherWindow = default,
    bool SequentialPrefill = true, KvCacheType KvCache = KvCacheType.F16, int ThreadPoolPoll = 50)
{
    public int SequenceLimit => ContextSize;

    /// <summary>KV cells in all: a stream per sequence and one for the cached system prefix.</summary>
    public int TotalCells => ContextSize * (Parallel + 1);
}
