using System.Runtime.InteropServices;
using System.Text;
using ChatBot.Inference.Native;
using LLama.Exceptions;
using LLama.Native;

namespace ChatBot.Inference.Engine;

/// <summary>A GGUF model loaded once with its vocabulary: tokenising, pieces and the chat template.</summary>
internal sealed unsafe class LlamaModel : IDisposable
{
    private static readonly string[] SupportedArchitectures = ["qwen2", "qwen3", "llama"];
    private readonly SafeLlamaModelHandle _handle;
    private readonly HugePageWeights? _hugePages;

    private LlamaModel(SafeLlamaModelHandle handle, string path, string architecture, HugePageWeights? hugePages, string weightMemory)
    {
        _handle = handle;
        _hugePages = hugePages;
        WeightMemory = weightMemory;
        Path = path;
        Architecture = architecture;
        Vocab = handle.Vocab;
        VocabSize = Vocab.Count;
        ChatTemplate = handle.GetTemplate(strict: false);
        TrainContext = handle.ContextSize;
        SizeBytes = (long)handle.SizeInBytes;
        Parameters = (long)handle.ParameterCount;
        Description = handle.Description;
    }

    public string Path { get; }

    public string Architecture { get; }

    public string Description { get; }

    public SafeLlamaModelHandle Handle => _handle;

    public SafeLlamaModelHandle.Vocabulary Vocab { get; }

    public int VocabSize { get; }

    public string? ChatTemplate { get; }

    public int TrainContext { get; }

    public long SizeBytes { get; }

    public long Parameters { get; }

    /// <summary>The width of one attention head's keys: the row a quantised KV cache must cut into whole blocks.</summary>
    public int HeadSize => int.TryParse(Meta($"{Architecture}.attention.key_length"), out var length) && length > 0
        ? length
        : _handle.EmbeddingSize / Math.Max(1, _handle.HeadCount);

    /// <summary>The width of the model's embeddings.</summary>
    public int EmbeddingSize => _handle.EmbeddingSize;

    /// <summary>Where the weights live, for the start-up log: in memory to be moved onto huge pages, or why not.</summary>
    public string WeightMemory { get; }

    /// <summary>Loads and validates; every failure names the path and the setting (Inference:ModelPath).</summary>
    /// <exception cref="InvalidOperationException">Missing file, not a GGUF file, unsupported architecture, or a load failure.</exception>
    /// <param name="batchInvariant">
    /// Turns off ggml's repacked CPU weight layouts. Those compute a batch's rows in groups of four (GEMM) and
    /// the rest one by one (GEMV), so a sequence's float rounding depends on how many others share its step;
    /// without them every row takes the same path and concurrent output is bit-identical to solo, at some speed.
    /// </param>
    /// <param name="hugePages">
    /// Reads the weights into memory, to be moved onto transparent huge pages by <see cref="PromoteWeightsToHugePages"/>,
    /// instead of mapping the file: faster generation, but instances on one host no longer share the file's page cache.
    /// </param>
    /// <param name="setting">The setting that named the file, for the messages (an embedding model has its own).</param>
    /// <param name="anyArchitecture">Accept whatever llama.cpp loads (embedding models are BERT-like, not chat models).</param>
    public static LlamaModel Load(string path, bool batchInvariant = false, bool hugePages = true, string setting = "Inference:ModelPath", bool anyArchitecture = false)
    {
        if (!File.Exists(path))
        {
            throw new InvalidOperationException(setting == "Inference:ModelPath"
                ? $"Inference:ModelPath '{path}' does not exist. Run scripts/model to prepare a model, or point the setting at a GGUF file."
                : $"{setting} '{path}' does not exist: point the setting at a GGUF model, or leave it empty to turn the feature off.");
        }

        Span<byte> magic = stackalloc byte[4];
        using (var file = File.OpenRead(path))
        {
            if (file.ReadAtLeast(magic, 4, throwOnEndOfStream: false) < 4 || !magic.SequenceEqual("GGUF"u8))
            {
                throw new InvalidOperationException($"{setting} '{path}' is not a GGUF file (it does not start with the GGUF magic).");
            }
        }

        var parameters = LLamaModelParams.Default();
        parameters.n_gpu_layers = 0;
        parameters.use_extra_bufts = !batchInvariant;
        var weights = hugePages ? HugePageWeights.Begin() : null;
        if (weights is not null)
        {
            parameters.load_mode = LLamaLoadMode.None; // read into memory llama.cpp allocates, not a file mapping
        }

        SafeLlamaModelHandle handle;
        try
        {
            handle = SafeLlamaModelHandle.LoadFromFile(path, parameters);
        }
        catch (LoadWeightsFailedException)
        {
            throw new InvalidOperationException($"{setting} '{path}' could not be loaded by llama.cpp: a corrupt file or an unsupported architecture{(anyArchitecture ? "" : $" (supported: {string.Join(", ", SupportedArchitectures)})")}.");
        }

        var architecture = Meta(handle, "general.architecture") ?? "";
        if (!anyArchitecture && !SupportedArchitectures.Contains(architecture))
        {
            handle.Dispose();
            throw new InvalidOperationException($"{setting} '{path}' has architecture '{architecture}'; supported: {string.Join(", ", SupportedArchitectures)}.");
        }

        weights?.End();
        var weightMemory = (hugePages, weights) switch
        {
            (false, _) => "mapped from the file (Inference:HugePages is off)",
            (true, null) when !OperatingSystem.IsLinux() => "mapped from the file (transparent huge pages are Linux-only)",
            (true, null) => "mapped from the file (this kernel offers no transparent huge pages)",
            _ => $"read into memory ({weights.Bytes >> 20} MiB), moving onto huge pages",
        };
        return new LlamaModel(handle, path, architecture, weights, weightMemory);
    }

    /// <summary>
    /// Moves the weights onto transparent huge pages while the model may already be in use (<see cref="HugePageWeights"/>);
    /// null when the model is mapped from its file.
    /// </summary>
    public (long HugePageBytes, TimeSpan Elapsed, string? Error)? PromoteWeightsToHugePages() => _hugePages?.Promote();

    public string? Meta(string key) => Meta(Handle, key);

    public int[] Tokenize(string text, bool addSpecial, bool parseSpecial) =>
        MemoryMarshal.Cast<LLamaToken, int>(_handle.Tokenize(text, addSpecial, parseSpecial, Encoding.UTF8)).ToArray();

    /// <summary>The bytes a token stands for; special tokens render as nothing, so control text never reaches a user.</summary>
    public int Piece(int token, Span<byte> destination)
    {
        var length = NativeApi.llama_token_to_piece(Vocab, token, destination, 0, special: false);
        return length < 0 ? throw new InvalidOperationException($"Token {token} needs a {-length}-byte buffer.") : length;
    }

    public string Detokenize(IEnumerable<int> tokens)
    {
        var bytes = new List<byte>();
        Span<byte> piece = stackalloc byte[256];
        foreach (var token in tokens)
        {
            bytes.AddRange(piece[..Piece(token, piece)]);
        }

        return Encoding.UTF8.GetString([.. bytes]);
    }

    /// <summary>
    /// What every chat under this system prompt starts with, for the engine's prefix cache: the system turn and the
    /// header of the user turn after it, so a plain question re-evaluates only its own words. The header comes from
    /// the model's own template, rendered around a marker and cut there. Where a prompt departs from it (grounding
    /// joined to the system turn, history), the engine keeps only the tokens the two really share.
    /// </summary>
    public int[] SharedPrefix(string system)
    {
        const string marker = "\u0001";
        var rendered = ApplyTemplate([("system", system), ("user", marker)], addAssistant: false);
        var cut = rendered.IndexOf(marker, StringComparison.Ordinal);
        var text = cut > 0 ? rendered[..cut] : ApplyTemplate([("system", system)], addAssistant: false);
        return Tokenize(text, addSpecial: false, parseSpecial: true);
    }

    public bool IsEndOfGeneration(int token) => ((LLamaToken)token).IsEndOfGeneration(Vocab);

    /// <summary>Renders a chat with the model's template (ChatML for Qwen); not Jinja, see llama-cpp.md.</summary>
    public string ApplyTemplate(IReadOnlyList<(string Role, string Content)> messages, bool addAssistant)
    {
        var strings = new List<nint>(messages.Count * 2);
        var template = ChatTemplate is null ? 0 : Marshal.StringToCoTaskMemUTF8(ChatTemplate);
        try
        {
            var chat = new LLamaChatMessage[messages.Count];
            var total = 0;
            for (var i = 0; i < messages.Count; i++)
            {
                chat[i].role = (byte*)Marshal.StringToCoTaskMemUTF8(messages[i].Role);
                chat[i].content = (byte*)Marshal.StringToCoTaskMemUTF8(messages[i].Content);
                strings.Add((nint)chat[i].role);
                strings.Add((nint)chat[i].content);
                total += Encoding.UTF8.GetByteCount(messages[i].Content) + 64;
            }

            var buffer = new byte[Math.Max(total * 2, 256)];
            fixed (LLamaChatMessage* c = chat)
            {
                for (var attempt = 0; attempt < 2; attempt++)
                {
                    fixed (byte* b = buffer)
                    {
                        var length = NativeApi.llama_chat_apply_template((byte*)template, c, (nuint)chat.Length, addAssistant, b, buffer.Length);
                        if (length < 0)
                        {
                            throw new InvalidOperationException($"The chat template of '{Path}' is not one llama.cpp can render.");
                        }

                        if (length <= buffer.Length)
                        {
                            return Encoding.UTF8.GetString(buffer, 0, length);
                        }

                        buffer = new byte[length];
                    }
                }
            }

            throw new InvalidOperationException("The chat template kept growing.");
        }
        finally
        {
            foreach (var s in strings)
            {
                Marshal.FreeCoTaskMem(s);
            }

            Marshal.FreeCoTaskMem(template);
        }
    }

    public void Dispose() => _handle.Dispose();

    private static string? Meta(SafeLlamaModelHandle model, string key)
    {
        var buffer = new byte[512];
        fixed (byte* b = buffer)
        {
            var length = GgmlNative.llama_model_meta_val_str(model.DangerousGetHandle(), key, b, (nuint)buffer.Length);
            return length < 0 ? null : Encoding.UTF8.GetString(buffer, 0, Math.Min(length, buffer.Length - 1));
        }
    }
}
