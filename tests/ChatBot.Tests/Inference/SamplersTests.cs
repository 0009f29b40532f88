using ChatBot.Inference.Engine;
using ChatBot.Inference.Native;
using LLama.Native;
using Microsoft.Extensions.Logging.Abstractions;

namespace ChatBot.Tests.Inference;

/// <summary>
/// Our sampler arrangement against llama.cpp's plain one (penalties over the whole vocabulary first), on the same
/// logits with the same seed: every pick must agree, step after step, with penalties that really bite.
/// </summary>
public sealed class SamplersTests
{
    private const int Vocab = 20_000;

    public SamplersTests() => LlamaLibrary.Load(null, NullLogger.Instance);

    [Fact]
    public void Greedy_picks_what_llama_greedy_picks_including_ties()
    {
        var random = new Random(11);
        using var greedy = SafeLLamaSamplerChainHandle.Create(LLamaSamplerChainParams.Default());
        greedy.AddGreedySampler();
        for (var trial = 0; trial < 200; trial++)
        {
            var logits = Logits(random, trial % 3 == 0 ? 0 : 40);
            if (trial % 4 == 0)
            {
                // Equal maxima: both must take the first.
                var max = logits.Max();
                logits[random.Next(Vocab / 2)] = max;
                logits[random.Next(0, Vocab / 2)] = max;
            }

            Assert.Equal(Apply(greedy, logits), Samplers.Greedy(logits));
        }
    }

    [Fact]
    public void Plain_greedy_needs_no_chain_but_any_penalty_or_temperature_does()
    {
        Assert.Null(Samplers.Create(new SamplingSettings(0, 1, 0, 0, 1, 64, 1)));
        using var penalized = Samplers.Create(new SamplingSettings(0, 1, 0, 0, 1.1f, 64, 1));
        using var sampled = Samplers.Create(new SamplingSettings(0.7f, 1, 0, 0, 1, 64, 1));
        Assert.NotNull(penalized);
        Assert.NotNull(sampled);
    }

    public static TheoryData<float, float, int, float, float> Settings() => new()
    {
        { 0.7f, 0.8f, 20, 0.05f, 1.05f }, // the shipped defaults (Qwen's generation config)
        { 1.0f, 0.95f, 40, 0f, 1.3f },
        { 0f, 1f, 0, 0f, 1.3f },          // greedy with a repeat penalty
        { 0.8f, 1f, 10, 0f, 0.8f },       // a penalty below 1 raises logits: no pre-cut, still equal
        { 0.9f, 0.9f, 0, 0.1f, 1.2f },    // no top-k: penalties run over the whole vocabulary as before
    };

    [Theory]
    [MemberData(nameof(Settings))]
    public void Every_pick_equals_llama_plain_chain_with_the_same_seed(float temperature, float topP, int topK, float minP, float penalty)
    {
        var settings = new SamplingSettings(temperature, topP, topK, minP, penalty, 64, 1234);
        using var ours = Samplers.Create(settings)!;
        using var plain = PlainChain(settings, penalties: true);
        using var unpenalized = PlainChain(settings, penalties: false);
        var random = new Random(5);
        var differsFromUnpenalized = 0;
        for (var step = 0; step < 400; step++)
        {
            var logits = Logits(random, hot: 60);
            var expected = Apply(plain, logits);
            Assert.Equal(expected, Apply(ours, logits));
            differsFromUnpenalized += Apply(unpenalized, logits) == expected ? 0 : 1;
            plain.Accept(expected);
            ours.Accept(expected);
            unpenalized.Accept(expected);
        }

        // The comparison means something only if the penalty changed picks.
        Assert.True(differsFromUnpenalized > 20, $"the penalty changed only {differsFromUnpenalized} of 400 picks");
    }

    /// <summary>llama.cpp's usual order: penalties over every candidate, then the filters.</summary>
    private static SafeLLamaSamplerChainHandle PlainChain(SamplingSettings s, bool penalties)
    {
        var chain = SafeLLamaSamplerChainHandle.Create(LLamaSamplerChainParams.Default());
        if (penalties)
        {
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

    /// <summary>Random logits; a few dozen "hot" tokens stand well above the rest, so picks repeat and penalties bite.</summary>
    private static float[] Logits(Random random, int hot)
    {
        var logits = new float[Vocab];
        for (var i = 0; i < Vocab; i++)
        {
            logits[i] = (float)(random.NextDouble() * 4 - 2);
        }

        for (var i = 0; i < hot; i++)
        {
            logits[(i * 7919) % Vocab] += 6 + (float)random.NextDouble() * 2;
        }

        return logits;
    }

    private static int Apply(SafeLLamaSamplerChainHandle sampler, float[] logits)
    {
        var array = LLamaTokenDataArray.Create(logits);
        using (LLamaTokenDataArrayNative.Create(array, out var native))
        {
            sampler.Apply(ref native);
            return (int)native.Data[(int)native.Selected].ID;
        }
    }
}
