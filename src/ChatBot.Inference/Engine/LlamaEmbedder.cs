using ChatBot.Inference.Native;
using Microsoft.Extensions.AI;

namespace ChatBot.Inference.Engine;

/// <summary>
/// Sentence embeddings from a GGUF embedding model (a multilingual BGE or E5 an admin supplies) through llama.cpp's
/// embedding mode: one context with mean pooling, one text at a time, each vector scaled to unit length so a dot
/// product is the cosine. For <c>Knowledge:EmbeddingModelPath</c>; nothing here ships or downloads such a model.
/// </summary>
public sealed unsafe class LlamaEmbedder : IEmbeddingGenerator<string, Embedding<float>>
{
    private const int LlamaPoolingMean = 1;
    private readonly LlamaModel _model;
    private readonly SafeLlamaContextHandle _context;
    private readonly Lock _gate = new();
    private readonly int _window;

    private LlamaEmbedder(LlamaModel model, SafeLlamaContextHandle context, int window)
    {
        _model = model;
        _context = context;
        _window = window;
        Dimensions = model.EmbeddingSize;
    }

    public int Dimensions { get; }

    /// <summary>Loads the model (the llama.cpp libraries from <paramref name="nativeDirectory"/>); every failure names the setting.</summary>
    public static LlamaEmbedder Load(string path, string? nativeDirectory, int threads, int window = 512)
    {
        var directory = LlamaLibrary.Locate(nativeDirectory)
            ?? throw new InvalidOperationException("Knowledge:EmbeddingModelPath is set but no llama.cpp libraries were found (Inference:NativeLibraryPath; run scripts/native-libs).");
        LlamaLibrary.Load(directory, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        var model = LlamaModel.Load(Path.GetFullPath(path), hugePages: false, setting: "Knowledge:EmbeddingModelPath", anyArchitecture: true);
        var parameters = LlamaNative.llama_context_default_params();
        parameters.n_ctx = (uint)window;
        parameters.n_batch = (uint)window;
        parameters.n_ubatch = (uint)window; // a text is pooled in one step, so it must fit one micro-batch
        parameters.n_seq_max = 1;
        parameters.n_threads = threads;
        parameters.n_threads_batch = threads;
        parameters.embeddings = 1;
        parameters.pooling_type = LlamaPoolingMean;
        var pointer = LlamaNative.llama_init_from_model(model.Handle, parameters);
        if (pointer == 0)
        {
            model.Dispose();
            throw new InvalidOperationException($"Knowledge:EmbeddingModelPath '{path}': llama.cpp could not create an embedding context for it.");
        }

        return new LlamaEmbedder(model, SafeLlamaContextHandle.From(pointer), window);
    }

    public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        var embeddings = new GeneratedEmbeddings<Embedding<float>>();
        foreach (var value in values)
        {
            cancellationToken.ThrowIfCancellationRequested();
            embeddings.Add(new Embedding<float>(Embed(value)));
        }

        return Task.FromResult(embeddings);
    }

    /// <summary>The text's unit-length embedding; a text longer than the window is cut (passages are under 700 characters).</summary>
    public float[] Embed(string text)
    {
        var tokens = _model.Tokenize(text, addSpecial: true, parseSpecial: false);
        if (tokens.Length == 0)
        {
            return new float[Dimensions];
        }

        tokens = tokens.Length > _window ? tokens[.._window] : tokens;
        lock (_gate)
        {
            var context = _context.DangerousGetHandle();
            LlamaNative.llama_memory_seq_rm(LlamaNative.llama_get_memory(context), -1, -1, -1);
            var batch = LlamaNative.llama_batch_init(tokens.Length, 0, 1);
            try
            {
                for (var i = 0; i < tokens.Length; i++)
                {
                    batch.token[i] = tokens[i];
                    batch.pos[i] = i;
                    batch.n_seq_id[i] = 1;
                    batch.seq_id[i][0] = 0;
                    batch.logits[i] = 1;
                }

                batch.n_tokens = tokens.Length;
                var status = LlamaNative.llama_decode(context, batch);
                if (status != 0)
                {
                    throw new InvalidOperationException($"llama_decode returned {status} for an embedding of {tokens.Length} tokens.");
                }

                return Normalised(Pooled(context, tokens.Length));
            }
            finally
            {
                LlamaNative.llama_batch_free(batch);
            }
        }
    }

    // The pooled vector of sequence 0; a build that keeps token embeddings instead gets their mean here.
    private float[] Pooled(nint context, int tokens)
    {
        var vector = new float[Dimensions];
        var pooled = LlamaNative.llama_get_embeddings_seq(context, 0);
        if (pooled is not null)
        {
            new ReadOnlySpan<float>(pooled, Dimensions).CopyTo(vector);
            return vector;
        }

        for (var i = 0; i < tokens; i++)
        {
            var row = LlamaNative.llama_get_embeddings_ith(context, i);
            if (row is null)
            {
                throw new InvalidOperationException("llama.cpp returned no embeddings: is Knowledge:EmbeddingModelPath an embedding model?");
            }

            for (var d = 0; d < Dimensions; d++)
            {
                vector[d] += row[d] / tokens;
            }
        }

        return vector;
    }

    private static float[] Normalised(float[] vector)
    {
        var length = MathF.Sqrt(vector.Sum(v => v * v));
        if (length > 0)
        {
            for (var i = 0; i < vector.Length; i++)
            {
                vector[i] /= length;
            }
        }

        return vector;
    }

    public object? GetService(Type serviceType, object? serviceKey = null) => serviceType.IsInstanceOfType(this) ? this : null;

    public void Dispose()
    {
        _context.Dispose();
        _model.Dispose();
    }
}
