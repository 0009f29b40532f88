using ChatBot.Inference.Forge;

namespace ChatBot.Tests.Shared;

/// <summary>
/// Tiny synthetic Qwen2 models, forged once per test run into a temp folder from the real tokenizer — real
/// llama.cpp inference in milliseconds a token, no download.
/// </summary>
public static class TestModels
{
    private static readonly Lazy<string> Folder = new(() =>
    {
        var folder = Path.Combine(Path.GetTempPath(), $"chatbot-test-models-{Environment.ProcessId}");
        Directory.CreateDirectory(folder);
        return folder;
    });

    private static readonly Lazy<string> TinyModel = new(() => Forge("tiny.gguf", SyntheticModelSpec.Tiny));
    private static readonly Lazy<string> WholeBlocksModel = new(() => Forge("tiny-h32.gguf", SyntheticModelSpec.Tiny with { Name = "tiny-h32", Heads = 2, KvHeads = 2 }));
    private static readonly Lazy<string> WideModel = new(() => Forge("tiny-wide.gguf", SyntheticModelSpec.Tiny with { Name = "tiny-wide", Embedding = 512, FeedForward = 1024 }));
    private static readonly Lazy<string> StopModel = new(() => Forge("tiny-eog.gguf", SyntheticModelSpec.Tiny with { Name = "tiny-eog", StopImmediately = true }));

    public static string VocabPath => SyntheticModelForge.LocateVocabulary()
        ?? throw new InvalidOperationException("native/vocab/ggml-vocab-qwen2.gguf not found: run scripts/native-libs (scripts/test does).");

    /// <summary>2 layers, hidden 64, the real 151,936-token Qwen2 vocabulary, Q8_0.</summary>
    public static string Tiny => TinyModel.Value;

    /// <summary>
    /// The tiny shape 512 wide: its weights (~83 MB) are larger than a glibc thread heap can be (64 MiB), so, like a
    /// real model's, they get a mapping of their own even in a test process whose earlier tests left freed memory in
    /// glibc's heaps. A 42 MB one (256 wide) found no mapping of its own once in CI; glibc can read one that size into
    /// memory a thread freed (measured), not one larger than a thread heap.
    /// </summary>
    public static string Wide => WideModel.Value;

    /// <summary>A tiny model whose greedy output is &lt;|im_end|&gt; at once.</summary>
    public static string StopsImmediately => StopModel.Value;

    /// <summary>The tiny shape with 32-wide attention heads: whole q8_0 blocks, so its KV cache can be quantised.</summary>
    public static string WholeBlockHeads => WholeBlocksModel.Value;

    private static string Forge(string name, SyntheticModelSpec spec)
    {
        var path = Path.Combine(Folder.Value, name);
        lock (Folder)
        {
            if (!File.Exists(path))
            {
                SyntheticModelForge.Write(null, VocabPath, path, spec, fileType: 7, threads: 2);
            }
        }

        return path;
    }
}
