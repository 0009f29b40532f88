using ChatBot.Knowledge.Search;

namespace ChatBot.Knowledge;

/// <summary>
/// Which of the passages the prompt held a written answer came from, and the clause of it that says what the answer
/// says. The search puts first the passage that holds most of the question's words; the one that answers can be the
/// second or the third (工资几号到账: an insurance clause that says 工资 and 到账 covers more of the question than the
/// payday clause that says 每月10日发放). The answer tells them apart: a model answering from the excerpts repeats the
/// words of the one it used. Measured with the public sets' answer facts standing in for the answer (docs/knowledge.md).
/// </summary>
public static class Attribution
{
    /// <summary>The passage a reply cites, its quote, and whether it is named only as related (<see cref="SaysNotCovered"/>).</summary>
    public sealed record CitedPassage(Chunk Chunk, string Quote, bool Related);

    /// <summary>
    /// How many more of the answer's own character pairs another passage must hold than the first for the citation to
    /// move: any HR passage shares a pair or two with any answer (员工, 公司), so a small lead is chance.
    /// </summary>
    public const int Lead = 3;

    /// <summary>
    /// The passage to cite and its quote. <paramref name="prompt"/> is what the model was given, in the search's order.
    /// An answer that says they do not cover the question names the first as related. Otherwise the first stays unless
    /// the answer holds <see cref="Lead"/> more of its own pairs — those not in the question nor in the prompt's
    /// instruction — in another; the quote is chosen by the question's words and those pairs.
    /// </summary>
    public static CitedPassage Cite(string answer, string question, KnowledgeSearchResult found, IReadOnlyList<Chunk> prompt)
    {
        var first = prompt.Count == 0 ? found.Hits[0].Chunk : prompt[0];
        if (SaysNotCovered(answer))
        {
            return new CitedPassage(first, Citation.Quote(first, found), Related: true);
        }

        var own = Pairs(found.SearchForm(answer));
        own.ExceptWith(Pairs(found.SearchForm(question)));
        own.ExceptWith(GroundedPrompt.InstructionPairs);
        var held = prompt.Select(p => Held(own, found.SearchForm(p.Text))).ToList();
        var cited = 0;
        for (var i = 1; i < held.Count; i++)
        {
            if (held[i] >= held[0] + Lead && held[i] > held[cited])
            {
                cited = i;
            }
        }

        var chunk = prompt.Count == 0 ? first : prompt[cited];
        return new CitedPassage(chunk, Citation.Quote(chunk, [.. found.Words ?? [], .. own], found.SearchForm), Related: false);
    }

    /// <summary>
    /// Whether the answer says the excerpts do not cover the question, as the prompt's instruction tells the model to
    /// (制度中没有相关规定; "they do not cover it"): a source line under it would read as the rule it just said is not
    /// there, so the section is named as related instead.
    /// </summary>
    public static bool SaysNotCovered(string answer) =>
        NotCovered.Any(phrase => answer.Contains(phrase, StringComparison.OrdinalIgnoreCase));

    private static readonly string[] NotCovered =
    [
        "没有相关规定", "无相关规定", "没有涉及", "未涉及", "没有提及", "未提及", "没有提到", "未提到", "没有明确规定", "未明确规定",
        "not cover", "n't cover", "not mention", "n't mention", "not say", "n't say", "no rule", "no policy", "not specified",
    ];

    /// <summary>
    /// The pairs of neighbouring Chinese characters or digits in a text (每月, 月1, 10, 0日): what an answer and the
    /// passage it came from share, in whatever order the model put its sentences.
    /// </summary>
    internal static HashSet<string> Pairs(string text)
    {
        var pairs = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i + 1 < text.Length; i++)
        {
            if (Counted(text[i]) && Counted(text[i + 1]))
            {
                pairs.Add(text.Substring(i, 2));
            }
        }

        return pairs;
    }

    private static bool Counted(char c) => GlossBridge.Han(c) || char.IsAsciiDigit(c);

    private static int Held(HashSet<string> pairs, string text) => pairs.Count(p => text.Contains(p, StringComparison.Ordinal));
}
