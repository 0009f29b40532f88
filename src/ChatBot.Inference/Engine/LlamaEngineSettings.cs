namespace ChatBot.Inference.Engine;

/// <summary>What the engine is built with; fixed for its lifetime.</summary>
/// <param name="ContextSize">KV cells shared by all sequences (kv_unified); each gets ContextSize / Parallel positions.</param>
internal sealed record LlamaEngineSettings(int Parallel, int ContextSize, int BatchSize, int Threads)
{
    public int SequenceLimit => ContextSize / Parallel;
}
