using System.Numerics.Tensors;
using LLama.Native;

namespace ChatBot.Inference.Engine;

/// <summary>
/// Turns a request's sampling settings into a llama.cpp sampler chain, arranged so no step but the first walks the
/// whole 151,936-token vocabulary; plain greedy needs no chain at all.
/// </summary>
internal static class Samplers
{
    /// <summary>The chain for these settings, or null for plain greedy (<see cref="Greedy"/> picks the token).</summary>
    public static SafeLLamaSamplerChainHandle? Create(SamplingSettings s)
    {
        var penalize = s.RepeatPenalty is > 0 and not 1f && s.RepeatLastN != 0;
        if (s.Temperature <= 0 && !penalize)
        {
            return null;
        }

        var chainParameters = LLamaSamplerChainParams.Default();
        chainParameters.NoPerf = true;
        var chain = SafeLLamaSamplerChainHandle.Create(chainParameters);
        var keep = s.Temperature <= 0 ? 1 : s.TopK;
        if (penalize)
        {
            // The penalty pass costs a hash lookup per candidate: over the whole vocabulary that is about a
            // millisecond per token per sequence, more than the rest of the chain. A penalty above 1 only lowers
            // the logits of at most RepeatLastN distinct recent tokens, so the best `keep` after it are among the
            // best keep + RepeatLastN before it: cutting to those first changes no pick (ties aside).
            if (keep > 0 && s.RepeatLastN > 0 && s.RepeatPenalty > 1f)
            {
                chain.AddTopK(keep + s.RepeatLastN);
            }

            chain.AddPenalties(s.RepeatLastN, s.RepeatPenalty, 0, 0);
        }

        if (s.Temperature <= 0)
        {
            chain.AddGreedySampler();
            return chain;
        }

        if (s.TopK > 0)
        {
            chain.AddTopK(s.TopK);
        }

        if (s.TopP is > 0 and < 1)
        {
            chain.AddTopP(s.TopP, 1);
        }

        if (s.MinP is > 0 and < 1)
        {
            chain.AddMinP(s.MinP, 1);
        }

        chain.AddTemperature(s.Temperature);
        chain.AddDistributionSampler(s.Seed);
        return chain;
    }

    /// <summary>
    /// Greedy straight off the logits with SIMD: llama.cpp's greedy sampler first copies all 151,936 logits into a
    /// candidate array. Same pick, the first of equal maxima.
    /// </summary>
    public static int Greedy(ReadOnlySpan<float> logits) => TensorPrimitives.IndexOfMax(logits);
}
