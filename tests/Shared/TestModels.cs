using ChatBot.Inference.Forge;

namespace ChatBot.Tests.Shared;

/// <summary>
/// Tiny synthetic Qwen2 models, forged once per test run into a temp folder from the real tokenizer — real
/// llama.cpp inference in milliseconds a token, no download.
/// </summary>
public static class TestModels
{
    private const string FolderPrefix = "chatbot-test-models-";

    // A folder per test process (two test projects run at once), removed when the process ends: the four models
    // are ~150 MB, and a folder left by every run filled the disk of a machine that runs the suite all day.
    private static readonly Lazy<string> Folder = new(() =>
    {
        RemoveFoldersOfEndedRuns();
        var folder = Path.Combine(Path.GetTempPath(), FolderPrefix + Environment.ProcessId);
        Directory.CreateDirectory(folder);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => TryDelete(folder);
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

    /// <summary>A run that was killed (a CI timeout, Ctrl+C) never reached ProcessExit: its folder goes here.</summary>
    private static void RemoveFoldersOfEndedRuns()
    {
        foreach (var folder in Directory.EnumerateDirectories(Path.GetTempPath(), FolderPrefix + "*"))
        {
            if (int.TryParse(Path.GetFileName(folder)[FolderPrefix.Length..], out var pid) && !IsRunning(pid))
            {
                TryDelete(folder);
            }
        }
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static void TryDelete(string folder)
    {
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Still mapped by a model another thread holds (Windows), or another user's: a later run removes it.
        }
    }

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
