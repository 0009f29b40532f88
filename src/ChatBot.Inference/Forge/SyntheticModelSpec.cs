namespace ChatBot.Inference.Forge;

/// <summary>
/// The shape of a synthetic Qwen2-architecture model. Speed depends on shape, not weight values, so a
/// shape-faithful random model measures what the real one would (llama-cpp.md).
/// </summary>
/// <param name="StopImmediately">Weights arranged so greedy decoding emits &lt;|im_end|&gt; first: a model that tests end-of-generation.</param>
public sealed record SyntheticModelSpec(string Name, int Embedding, int Layers, int Heads, int KvHeads, int FeedForward, float RopeTheta, bool StopImmediately = false, uint Seed = 42)
{
    /// <summary>Seconds to make, milliseconds a token: for tests.</summary>
    public static SyntheticModelSpec Tiny { get; } = new("tiny", 64, 2, 4, 2, 128, 1e6f);

    /// <summary>Qwen2.5-0.5B-Instruct's real shape: 24 layers, hidden 896, 14 heads, 2 KV heads, FFN 4864, tied embeddings, QKV bias.</summary>
    public static SyntheticModelSpec Qwen25_05B { get; } = new("qwen2.5-0.5b", 896, 24, 14, 2, 4864, 1e6f);

    public int HeadDim => Embedding / Heads;

    public int KvEmbedding => KvHeads * HeadDim;
}
