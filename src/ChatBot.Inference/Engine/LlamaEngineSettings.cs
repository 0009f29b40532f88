namespace ChatBot.Inference.Engine;

/// <summary>What the engine is built with; fixed for its lifetime.</summary>
/// <param name="ContextSize">Positions per sequence (prompt + answer); the context holds one such stream per sequence plus the shared prefix.</param>
internal sealed record LlamaEngineSettings(int Parallel, int ContextSize, int BatchSize, int Threads)
{
    public int SequenceLimit => ContextSize;

    /// <summary>KV cells in all: a stream per sequence and one for the cached system prefix.</summary>
    public int TotalCells => ContextSize * (Parallel + 1);
}
