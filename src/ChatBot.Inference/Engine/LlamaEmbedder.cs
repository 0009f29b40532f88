using ChatBot.Inference.Native;
using LLama.Exceptions;
using LLama.Native;
using Microsoft.Extensions.AI;

namespace ChatBot.Inference.Engine;

/// <summary>
/// Sentence embeddings from a GGUF embedding model (a multilingual BGE or E5 an admin supplies) through llama.cpp's
/// embedding mode: one context with mean pooling, one text at a time, each vector scaled to unit length so a dot
/// product is the cosine. For <c>Knowledge:EmbeddingModelPath</c>; nothing here ships or downloads such a model.
/// </summary>
public sealed class LlamaEmbedder : IEmbeddingGenerator<string, Embedding<float>>
{
    private readonly LlamaModel _model;
    private readonly SafeLLamaContextHandle _context;
    private readonly LLamaBatch _batch = new();
    private readonly Lock _gate = new();
    private readonly int _window;

    private LlamaEmbedder(LlamaModel model, SafeLLamaContextHandle context, int window)
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
        LlamaLibrary.Load(nativeDirectory, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        var model = LlamaModel.Load(Path.GetFullPath(path), hugePages: false, setting: "Knowledge:EmbeddingModelPath", anyArchitecture: true);
        var parameters = LLamaContextParams.Default();
        parameters.n_ctx = (uint)window;
        parameters.n_batch = (uint)window;
        parameters.n_ubatch = (uint)window; // a text is pooled in one step, so it must fit one micro-batch
        parameters.n_seq_max = 1;
        parameters.n_threads = threads;
        parameters.n_threads_batch = threads;
        parameters.embeddings = true;
        parameters.llama_pooling_type = LLamaPoolingType.Mean;
        try
        {
            return new LlamaEmbedder(model, SafeLLamaContextHandle.Create(model.Handle, parameters), window);
        }
        catch (RuntimeError)
        {
            model.Dispose();
            throw new InvalidOperationException($"Knowledge:EmbeddingModelPath '{path}': llama.cpp could not create an embedding context for it.");
        }
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
            _context.MemoryClear(data: true);
            _batch.Clear();
            for (var i = 0; i < tokens.Length; i++)
            {
                _batch.Add(tokens[i], i, (LLamaSeqId)0, logits: true);
            }

            var status = _context.Decode(_batch);
            if (status != DecodeResult.Ok)
            {
                throw new InvalidOperationException($"llama_decode returned {status} for an embedding of {tokens.Length} tokens.");
            }

            return Normalised(Pooled(tokens.Length));
        }
    }

    // The pooled vector of sequence 0; a build that keeps token embeddings instead gets their mean here.
    private float[] Pooled(int tokens)
    {
        var vector = new float[Dimensions];
        var pooled = _context.GetEmbeddingsSeq((LLamaSeqId)0);
        if (!IsNull(pooled))
        {
            pooled[..Dimensions].CopyTo(vector);
            return vector;
        }

        for (var i = 0; i < tokens; i++)
        {
            var row = _context.GetEmbeddingsIth(i);
            if (IsNull(row))
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

    // LLamaSharp wraps whatever pointer llama.cpp returns, null included.
    private static bool IsNull(Span<float> span) => System.Runtime.CompilerServices.Unsafe.IsNullRef(ref System.Runtime.InteropServices.MemoryMarshal.GetReference(span));

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
