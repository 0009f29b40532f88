using System.Numerics.Tensors;
using ChatBot.Inference.Native;

namespace ChatBot.Inference.Engine;

/// <summary>
/// Turns a request's sampling settings into a llama.cpp sampler chain, arranged so no step but the first walks the
/// whole 151,936-token vocabulary; plain greedy needs no chain at all.
/// </summary>
internal static class Samplers
{
    /// <summary>The chain for these settings, or null for plain greedy (<see cref="Greedy"/> picks the token).</summary>
    public static SafeLlamaSamplerHandle? Create(SamplingSettings s, int vocabSize)
    {
        var penalize = s.RepeatPenalty is > 0 and not 1f && s.RepeatLastN != 0;
        if (s.Temperature <= 0 && !penalize)
        {
            return null;
        }

        var chainParameters = LlamaNative.llama_sampler_chain_default_params();
        chainParameters.no_perf = 1;
        var chain = SafeLlamaSamplerHandle.From(LlamaNative.llama_sampler_chain_init(chainParameters));
        var handle = chain.DangerousGetHandle();
        var keep = s.Temperature <= 0 ? 1 : s.TopK;
        if (penalize)
        {
            // The penalty pass costs a hash lookup per candidate: over the whole vocabulary that is about a
            // millisecond per token per sequence, more than the rest of the chain. A penalty above 1 only lowers
            // the logits of at most RepeatLastN distinct recent tokens, so the best `keep` after it are among the
            // best keep + RepeatLastN before it: cutting to those first changes no pick (ties aside).
            if (keep > 0 && s.RepeatLastN > 0 && s.RepeatPenalty > 1f)
            {
                Add(handle, LlamaNative.llama_sampler_init_top_k(keep + s.RepeatLastN));
            }

            Add(handle, LlamaNative.llama_sampler_init_penalties(vocabSize, s.RepeatLastN, s.RepeatPenalty, 0, 0));
        }

        if (s.Temperature <= 0)
        {
            Add(handle, LlamaNative.llama_sampler_init_greedy());
            return chain;
        }

        if (s.TopK > 0)
        {
            Add(handle, LlamaNative.llama_sampler_init_top_k(s.TopK));
        }

        if (s.TopP is > 0 and < 1)
        {
            Add(handle, LlamaNative.llama_sampler_init_top_p(s.TopP, 1));
        }

        if (s.MinP is > 0 and < 1)
        {
            Add(handle, LlamaNative.llama_sampler_init_min_p(s.MinP, 1));
        }

        Add(handle, LlamaNative.llama_sampler_init_temp(s.Temperature));
        Add(handle, LlamaNative.llama_sampler_init_dist(s.Seed));
        return chain;
    }

    /// <summary>
    /// Greedy straight off the logits with SIMD: llama.cpp's greedy sampler first copies all 151,936 logits into a
    /// candidate array. Same pick, the first of equal maxima.
    /// </summary>
    public static int Greedy(ReadOnlySpan<float> logits) => TensorPrimitives.IndexOfMax(logits);

    private static void Add(nint chain, nint sampler) => LlamaNative.llama_sampler_chain_add(chain, sampler);
}
