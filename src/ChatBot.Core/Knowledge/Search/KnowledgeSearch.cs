namespace ChatBot.Core.Knowledge.Search;

/// <summary>What retrieval found for a question: the passages, or a refusal because none is relevant.</summary>
/// <param name="PolicyQuestion">False when the question has no key terms at all (a greeting, thanks): not a policy question.</param>
public sealed record KnowledgeAnswer(bool PolicyQuestion, bool Refused, IReadOnlyList<(Chunk Chunk, float Score)> Hits, double Coverage)
{
    public Chunk? Best => Refused || Hits.Count == 0 ? null : Hits[0].Chunk;
}

/// <summary>
/// Ranks with BM25 over the question and its glossary expansions, then decides relevance from what the question's
/// key terms match — not from the score, which common words inflate. A key term is covered by a passage when it,
/// or a policy term the glossary brings for it, appears in the passage or its headings. The question is answered
/// only when one of the top passages covers at least half its key terms; the best-covering passage comes first.
/// </summary>
public static class KnowledgeSearch
{
    public const double MinCoverage = 0.5;

    public static KnowledgeAnswer Find(KnowledgeIndex index, Glossary glossary, string question, int top, Func<Chunk, bool> allowed)
    {
        var expansions = glossary.Expand(question);
        var query = question + " " + string.Join(" ", expansions.Select(e => e.Term));
        var hits = index.Search(query, top, allowed);
        var concepts = KeyTerms.Of(question)
            .Select(term => (IReadOnlyList<string>)[term, .. expansions.Where(e => Related(e.Form, term)).Select(e => e.Term)])
            .ToList();
        if (concepts.Count == 0)
        {
            // Glossary forms can still carry the meaning ("请假" alone): count each matched form as a concept.
            concepts = expansions.GroupBy(e => e.Form).Select(g => (IReadOnlyList<string>)[g.Key, .. g.Select(e => e.Term)]).ToList();
        }

        if (concepts.Count == 0)
        {
            return new KnowledgeAnswer(PolicyQuestion: false, Refused: true, [], 0);
        }

        var ranked = hits.Select(h => (Hit: h, Coverage: Coverage(concepts, h.Chunk))).ToList();
        var best = ranked.Count == 0 ? 0 : ranked.Max(r => r.Coverage);
        if (best < MinCoverage)
        {
            return new KnowledgeAnswer(true, Refused: true, hits, best);
        }

        // The passage that covers the most comes first; BM25 order among equals.
        var ordered = ranked.OrderByDescending(r => r.Coverage >= best - 1e-9).Select(r => r.Hit).ToList();
        return new KnowledgeAnswer(true, Refused: false, ordered, best);
    }

    private static double Coverage(List<IReadOnlyList<string>> concepts, Chunk chunk)
    {
        var text = chunk.Section + "\n" + chunk.Text;
        return concepts.Count(alternatives => alternatives.Any(a => Glossary.Contains(text, a))) / (double)concepts.Count;
    }

    // A glossary form speaks for a key term when one contains the other ("结婚" and "下个月结婚").
    private static bool Related(string form, string term) =>
        form.Contains(term, StringComparison.OrdinalIgnoreCase) || term.Contains(form, StringComparison.OrdinalIgnoreCase);
}
