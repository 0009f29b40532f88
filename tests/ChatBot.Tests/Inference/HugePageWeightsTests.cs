using ChatBot.Inference;
using ChatBot.Inference.Engine;
using ChatBot.Inference.Native;
using ChatBot.Tests.Shared;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging.Abstractions;

namespace ChatBot.Tests.Inference;

/// <summary>
/// Alone in its process while it runs: it tells the weights' memory by the mappings a load creates, and another test
/// loading or freeing a model at the same moment changes this process's mappings under it (a fresh-clone run saw
/// "no mapping appeared" once, with the unit tests in parallel beside the integration suite).
/// </summary>
[CollectionDefinition(nameof(HugePageWeightsTests), DisableParallelization = true)]
public sealed class HugePageWeightsCollection;

/// <summary>The weights moved onto transparent huge pages while the model answers: same answers, really on huge pages.</summary>
[Collection(nameof(HugePageWeightsTests))]
public sealed class HugePageWeightsTests
{
    private static readonly InferenceOptions Greedy = new() { MaxNewTokens = 48, Temperature = 0, RepeatPenalty = 1 };

    [Fact]
    public async Task Weights_moved_onto_huge_pages_mid_answer_give_the_answers_of_the_mapped_file()
    {
        LlamaLibrary.Load(null, NullLogger.Instance);
        Assert.True(HugePageWeights.SystemMode() is "madvise" or "always",
            $"the test machine's kernel offers no transparent huge pages (mode: {HugePageWeights.SystemMode() ?? "unreadable"})");
        ChatMessage[] question = [new(ChatRole.User, "年假怎么计算")];

        string expected;
        using (var mapped = LlamaModel.Load(TestModels.Wide, hugePages: false))
        using (var engine = new LlamaEngine(mapped, new LlamaEngineSettings(1, 512, 128, 2), NullLogger.Instance))
        {
            Assert.Null(mapped.PromoteWeightsToHugePages());
            Assert.Contains("mapped from the file", mapped.WeightMemory, StringComparison.Ordinal);
            expected = (await new LlamaChatClient(engine, () => Greedy).GetResponseAsync(question)).Text;
        }

        using var model = LlamaModel.Load(TestModels.Wide);
        Assert.Contains("read into memory", model.WeightMemory, StringComparison.Ordinal);
        using var inMemory = new LlamaEngine(model, new LlamaEngineSettings(1, 512, 128, 2), NullLogger.Instance);
        var client = new LlamaChatClient(inMemory, () => Greedy);

        var during = client.GetResponseAsync(question);
        var promoted = model.PromoteWeightsToHugePages();
        Assert.NotNull(promoted);
        var moved = promoted.Value;
        // A kernel short of free 2 MiB blocks while other test processes run (EAGAIN, ENOMEM) leaves the rest to
        // khugepaged, as the product does; asking again a few times here is what khugepaged would do, sooner.
        var whole = model.SizeBytes - (8 << 20); // the whole model but for the ends of its buffers that are not whole 2 MiB pages
        for (var again = 0; again < 10 && moved.HugePageBytes < whole; again++)
        {
            await Task.Delay(300);
            moved = model.PromoteWeightsToHugePages() ?? moved;
        }

        Assert.True(moved.HugePageBytes >= whole, $"{moved.HugePageBytes} bytes on huge pages of {model.SizeBytes}; the kernel said: {moved.Error ?? "nothing (busy)"}");
        Assert.Equal(expected, (await during).Text);
        Assert.Equal(expected, (await client.GetResponseAsync(question)).Text);
        Assert.NotEmpty(expected);
    }
}
