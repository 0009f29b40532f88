using ChatBot.Inference.Native;
using LLama.Native;

namespace ChatBot.Inference.Forge;

/// <summary>
/// Writes a synthetic Qwen2 GGUF with the GGUF writer exported by libggml-base: the real Qwen2 tokenizer and
/// metadata copied from <c>ggml-vocab-qwen2.gguf</c>, random weights of the given shape, then quantised with
/// <c>llama_model_quantize</c>. No download: the tokenizer comes from the llama.cpp source on npm (scripts/native-libs),
/// the libraries from LLamaSharp.Backend.Cpu.
/// </summary>
public static unsafe class SyntheticModelForge
{
    // <|im_end|>: Qwen2.5-Instruct's end of turn, its eos_token_id (the vocab file says <|endoftext|>).
    private const uint ImEnd = 151645;
    private const int FtypeAllF32 = 0;
    private const int GgmlTypeF32 = 0;

    /// <summary>The real Qwen2 tokenizer scripts/native-libs unpacks: <c>native/vocab</c> here or above the app, or null.</summary>
    public static string? LocateVocabulary()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "native", "vocab", "ggml-vocab-qwen2.gguf");
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
        }

        return null;
    }

    /// <param name="fileType">llama_ftype: 0 F32, 1 F16, 7 Q8_0, 15 Q4_K_M.</param>
    public static void Write(string? nativeDirectory, string vocabPath, string outputPath, SyntheticModelSpec spec, int fileType, int threads)
    {
        LlamaLibrary.Load(nativeDirectory, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        if (!File.Exists(vocabPath))
        {
            throw new FileNotFoundException($"The Qwen2 vocabulary '{vocabPath}' is missing; run scripts/native-libs.", vocabPath);
        }

        var source = GgmlNative.gguf_init_from_file(vocabPath, new GgmlNative.gguf_init_params { no_alloc = 1 });
        if (source == 0)
        {
            throw new InvalidDataException($"'{vocabPath}' is not a readable GGUF file.");
        }

        var gguf = GgmlNative.gguf_init_empty();
        var vocabSize = (long)GgmlNative.gguf_get_arr_n(source, GgmlNative.gguf_find_key(source, "tokenizer.ggml.tokens"));
        GgmlNative.gguf_set_kv(gguf, source);
        GgmlNative.gguf_free(source);
        SetShape(gguf, spec);

        var tensors = Tensors(spec, vocabSize);
        var bytes = tensors.Sum(t => t.Ne0 * t.Ne1 * 4L) + tensors.Count * 1024L + (1 << 20);
        var ggml = GgmlNative.ggml_init(new GgmlNative.ggml_init_params { mem_size = (nuint)bytes });
        if (ggml == 0)
        {
            throw new OutOfMemoryException($"ggml could not allocate {bytes / 1_000_000} MB for the synthetic weights.");
        }

        var f32Path = fileType == FtypeAllF32 ? outputPath : outputPath + ".f32.tmp";
        try
        {
            var random = spec.Seed;
            foreach (var t in tensors)
            {
                var tensor = t.Ne1 == 1 ? GgmlNative.ggml_new_tensor_1d(ggml, GgmlTypeF32, t.Ne0) : GgmlNative.ggml_new_tensor_2d(ggml, GgmlTypeF32, t.Ne0, t.Ne1);
                GgmlNative.ggml_set_name(tensor, t.Name);
                var data = new Span<float>(GgmlNative.ggml_get_data(tensor), checked((int)(t.Ne0 * t.Ne1)));
                Fill(data, t, spec, ref random);
                GgmlNative.gguf_add_tensor(gguf, tensor);
            }

            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(outputPath))!);
            if (!GgmlNative.gguf_write_to_file(gguf, f32Path, onlyMeta: false))
            {
                throw new IOException($"Could not write '{f32Path}'.");
            }
        }
        finally
        {
            GgmlNative.ggml_free(ggml);
            GgmlNative.gguf_free(gguf);
        }

        if (fileType != FtypeAllF32)
        {
            try
            {
                var parameters = LLamaModelQuantizeParams.Default();
                parameters.ftype = (LLamaFtype)fileType;
                parameters.nthread = threads;
                if (NativeApi.llama_model_quantize(f32Path, outputPath, ref parameters) != 0)
                {
                    throw new InvalidOperationException($"llama_model_quantize failed for '{outputPath}' (ftype {fileType}).");
                }
            }
            finally
            {
                File.Delete(f32Path);
            }
        }
    }

    private static void SetShape(nint gguf, SyntheticModelSpec spec)
    {
        GgmlNative.gguf_set_val_str(gguf, "general.architecture", "qwen2");
        GgmlNative.gguf_set_val_str(gguf, "general.name", $"chatbot-synthetic-{spec.Name}");
        GgmlNative.gguf_set_val_u32(gguf, "general.file_type", 0);
        GgmlNative.gguf_set_val_u32(gguf, "qwen2.block_count", (uint)spec.Layers);
        GgmlNative.gguf_set_val_u32(gguf, "qwen2.context_length", 32768);
        GgmlNative.gguf_set_val_u32(gguf, "qwen2.embedding_length", (uint)spec.Embedding);
        GgmlNative.gguf_set_val_u32(gguf, "qwen2.feed_forward_length", (uint)spec.FeedForward);
        GgmlNative.gguf_set_val_u32(gguf, "qwen2.attention.head_count", (uint)spec.Heads);
        GgmlNative.gguf_set_val_u32(gguf, "qwen2.attention.head_count_kv", (uint)spec.KvHeads);
        GgmlNative.gguf_set_val_f32(gguf, "qwen2.rope.freq_base", spec.RopeTheta);
        GgmlNative.gguf_set_val_f32(gguf, "qwen2.attention.layer_norm_rms_epsilon", 1e-6f);
        GgmlNative.gguf_set_val_u32(gguf, "tokenizer.ggml.eos_token_id", ImEnd);
    }

    private sealed record TensorSpec(string Name, long Ne0, long Ne1, float Scale, TensorRole Role);

    private enum TensorRole
    {
        Weight,
        Norm,
        Bias,
        Embedding,
        Residual,
        Output,
        FinalNorm,
    }

    // ggml's ne0 is the input width: a weight used as mul_mat(W, x) is (n_in, n_out).
    private static List<TensorSpec> Tensors(SyntheticModelSpec s, long vocab)
    {
        var list = new List<TensorSpec>
        {
            new("token_embd.weight", s.Embedding, vocab, 0.05f, TensorRole.Embedding),
            new("output_norm.weight", s.Embedding, 1, 1, TensorRole.FinalNorm),
        };
        if (s.StopImmediately)
        {
            list.Add(new("output.weight", s.Embedding, vocab, 0, TensorRole.Output));
        }

        for (var i = 0; i < s.Layers; i++)
        {
            var b = $"blk.{i}.";
            float inScale = 1 / MathF.Sqrt(s.Embedding), ffScale = 1 / MathF.Sqrt(s.FeedForward);
            list.AddRange(
            [
                new(b + "attn_norm.weight", s.Embedding, 1, 1, TensorRole.Norm),
                new(b + "attn_q.weight", s.Embedding, s.Embedding, inScale, TensorRole.Weight),
                new(b + "attn_q.bias", s.Embedding, 1, 0.01f, TensorRole.Bias),
                new(b + "attn_k.weight", s.Embedding, s.KvEmbedding, inScale, TensorRole.Weight),
                new(b + "attn_k.bias", s.KvEmbedding, 1, 0.01f, TensorRole.Bias),
                new(b + "attn_v.weight", s.Embedding, s.KvEmbedding, inScale, TensorRole.Weight),
                new(b + "attn_v.bias", s.KvEmbedding, 1, 0.01f, TensorRole.Bias),
                new(b + "attn_output.weight", s.Embedding, s.Embedding, inScale, TensorRole.Residual),
                new(b + "ffn_norm.weight", s.Embedding, 1, 1, TensorRole.Norm),
                new(b + "ffn_gate.weight", s.Embedding, s.FeedForward, inScale, TensorRole.Weight),
                new(b + "ffn_up.weight", s.Embedding, s.FeedForward, inScale, TensorRole.Weight),
                new(b + "ffn_down.weight", s.FeedForward, s.Embedding, ffScale, TensorRole.Residual),
            ]);
        }

        return list;
    }

    private static void Fill(Span<float> data, TensorSpec t, SyntheticModelSpec spec, ref uint random)
    {
        switch (t.Role)
        {
            case TensorRole.Norm:
                data.Fill(1);
                return;
            case TensorRole.FinalNorm when spec.StopImmediately:
                // Only dimension 0 survives the final norm, and it is positive for every token (see Embedding).
                data.Clear();
                data[0] = 1;
                return;
            case TensorRole.FinalNorm:
                data.Fill(1);
                return;
            case TensorRole.Residual when spec.StopImmediately:
                // Attention and FFN add nothing: the last hidden state is the input token's embedding.
                data.Clear();
                return;
            case TensorRole.Output:
                data.Clear();
                data[(int)(ImEnd * t.Ne0)] = 10;
                return;
        }

        for (var i = 0; i < data.Length; i++)
        {
            // xorshift32: fast and reproducible for a given seed; values uniform in [-scale, scale).
            random ^= random << 13;
            random ^= random >> 17;
            random ^= random << 5;
            data[i] = ((random >> 8) * (1f / 16777216f) * 2 - 1) * t.Scale;
        }

        if (t.Role == TensorRole.Embedding && spec.StopImmediately)
        {
            for (long row = 0; row < t.Ne1; row++)
            {
                data[(int)(row * t.Ne0)] = 1;
            }
        }
    }
}
