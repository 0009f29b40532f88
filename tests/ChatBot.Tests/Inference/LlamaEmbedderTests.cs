using ChatBot.Core.Knowledge;
using ChatBot.Knowledge.Search;
using ChatBot.Inference.Engine;
using ChatBot.Tests.Shared;
using Microsoft.Extensions.Logging.Abstractions;

namespace ChatBot.Tests.Inference;

/// <summary>
/// Dense retrieval's mechanism on real llama.cpp with a forged tiny model in embedding mode (its weights are random,
/// so what is tested is the plumbing, not retrieval quality: vectors of the model's width and unit length, the same
/// text giving the same vector, passages embedded with the index, and their nearest neighbours fused with BM25).
/// </summary>
public sealed class LlamaEmbedderTests : IDisposable
{
    private readonly LlamaEmbedder _embedder = LlamaEmbedder.Load(TestModels.Tiny, null, threads: 2);
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("chatbot-dense");

    public void Dispose()
    {
        _embedder.Dispose();
        _folder.Delete(recursive: true);
    }

    [Fact]
    public void A_text_embeds_to_a_deterministic_unit_vector_of_the_model_width()
    {
        var leave = _embedder.Embed("员工每年享受带薪年休假5天");
        var again = _embedder.Embed("员工每年享受带薪年休假5天");
        var hotel = _embedder.Embed("出差住宿标准按城市类别执行");

        Assert.Equal(_embedder.Dimensions, leave.Length);
        Assert.InRange(Math.Sqrt(leave.Sum(v => v * (double)v)), 0.999, 1.001);
        Assert.Equal(leave, again);
        Assert.NotEqual(leave, hotel);
    }

    [Fact]
    public void Passages_are_embedded_with_the_index_and_their_nearest_join_the_bm25_candidates()
    {
        File.WriteAllText(Path.Combine(_folder.FullName, "policy.md"),
            "# 制度\n## 一、年假\n员工每年享受带薪年休假5天。\n## 二、住宿\n出差住宿标准按城市类别执行。\n## 三、停车\n园区停车场每月150元。");
        using var dense = new KnowledgeBase(_folder.FullName, null, NullLogger.Instance, RepoPaths.Lexicon, _embedder);
        using var lexical = new KnowledgeBase(_folder.FullName, null, NullLogger.Instance, RepoPaths.Lexicon);

        Assert.Equal(dense.Index.Chunks.Count, dense.Index.Vectors!.Count);
        Assert.Null(lexical.Index.Vectors);
        // A passage word for word is its own nearest neighbour, whatever the weights.
        var target = dense.Index.Chunks[2];
        Assert.Same(target, dense.Index.Nearest(_embedder.Embed(target.SearchText), 1, _ => true)[0]);
        // Nothing of this question is in any passage: BM25 finds nothing, the embedding still brings candidates —
        // and the decision stays lexical, so it is refused all the same.
        var withDense = dense.Find("zzyzx qwv", 3, _ => true);
        Assert.Empty(lexical.Find("zzyzx qwv", 3, _ => true).Hits);
        Assert.NotEmpty(withDense.Hits);
        Assert.Equal(Grounding.Refused, withDense.Decision);
        // The asker's access filters the nearest passages as it does BM25's.
        Assert.Empty(dense.Index.Nearest(_embedder.Embed("年假"), 3, _ => false));
    }

    [Fact]
    public void A_missing_embedding_model_is_named_by_its_setting()
    {
        var error = Assert.Throws<InvalidOperationException>(() => LlamaEmbedder.Load(Path.Combine(_folder.FullName, "none.gguf"), null, 2));

        Assert.StartsWith("Knowledge:EmbeddingModelPath", error.Message, StringComparison.Ordinal);
    }
}
