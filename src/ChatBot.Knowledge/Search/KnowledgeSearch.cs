namespace ChatBot.Knowledge.Search;

/// <summary>What retrieval decided for a question.</summary>
public enum Grounding
{
    /// <summary>A passage covers the question: the model answers from the passages, with the citation.</summary>
    Answered,

    /// <summary>Passages cover part of it: in a DM, "not sure" with the closest sections quoted, no model call.</summary>
    Unsure,

    /// <summary>Nothing covers it: the refusal text, no model call.</summary>
    Refused,
}

/// <summary>What retrieval found for a question: the passages, and how far they cover it.</summary>
/// <param name="PolicyQuestion">False when the question has no key terms at all (a greeting, thanks): not a policy question.</param>
/// <param name="Coverage">How much of the question the best passage covers — or the first two together, when one document's and both in the prompt — 0–1 (<see cref="KnowledgeSearch"/>).</param>
/// <param name="Missing">The question's key terms the best passage does not hold: what a glossary entry could bridge.</param>
/// <param name="Words">The question's key terms and every word that stood for them (glossary, dictionary): what a quote is chosen by.</param>
public sealed record KnowledgeSearchResult(bool PolicyQuestion, Grounding Decision, IReadOnlyList<(Chunk Chunk, float Score)> Hits, double Coverage,
    IReadOnlyList<string>? Missing = null, IReadOnlyList<string>? Words = null)
{
    public bool Refused => Decision == Grounding.Refused;

    /// <summary>The form the index searches text in (<see cref="KnowledgeIndex.SearchForm"/>): what a quote is matched against <see cref="Words"/> in.</summary>
    public Func<string, string> SearchForm { get; init; } = static text => text;

    /// <summary>The passage the answer cites: the one that covers the question best.</summary>
    public Chunk? Best => Decision == Grounding.Answered && Hits.Count > 0 ? Hits[0].Chunk : null;
}

/// <summary>Where coverage turns a question from refused to "not sure" to answered.</summary>
public sealed record GroundingThresholds(double UnsureAt, double AnswerAt)
{
    /// <summary>
    /// The policy text the model's prompt holds (<c>Knowledge:PromptBudgetChars</c>): the passages that fit are what the
    /// answer is written from, so together — when they are one document's — they are what covers the question.
    /// </summary>
    public int PromptBudgetChars { get; init; } = GroundedPrompt.DefaultBudgetChars;

    /// <summary>Chosen on both public sets (<c>knowledge eval --sweep</c>, README "Policy answers"): see there for the trade-off.</summary>
    public static GroundingThresholds Default { get; } = new(0.3, 0.7);

    /// <summary>What a policy question whose best passage covers <paramref name="coverage"/> of it is told.</summary>
    public Grounding Decide(double coverage) =>
        coverage >= AnswerAt ? Grounding.Answered : coverage >= UnsureAt ? Grounding.Unsure : Grounding.Refused;
}

/// <summary>
/// Ranks with BM25 over the question, what the glossary brings for it, what its words mean in the documents' own
/// terms (<see cref="GlossBridge"/>) and how it sounds (<see cref="Sounds"/>), then decides from what the question's
/// key terms find in the passages — not from the score, which common words inflate. Each key term is supported by
/// a passage as far as the passage holds it: its characters (1), a glossary term for it (1), a document word that
/// means it (by how closely) or that the thesaurus groups with it (1), or its sound (a typo, <see cref="SoundSupport"/>).
/// Coverage is the support averaged over the key terms, each weighted by how much it counts (<see cref="Weight"/>); the
/// best-covering passage comes first, and the first two count together when the prompt holds both and they are one
/// document's.
/// </summary>
public static class KnowledgeSearch
{
    /// <summary>A word found only by its sound is most likely the word meant, typed with the wrong character.</summary>
    public const double SoundSupport = 0.8;

    /// <summary>What the bridge brings weighs this much against the question's own words in the ranking.</summary>
    private const float BridgeWeight = 0.6f;

    /// <summary>Passages ranked for coverage beyond those returned: the covering one is often second to fifth by BM25.</summary>
    private const int Candidates = 8;

    private const int BridgeTermsPerWord = 4;

    private const double SingleCharacterWeight = 0.35;

    private const double EnglishUnknownWeight = 0.5;

    /// <summary>
    /// A proper name the documents never write (宁波, 长沙) is mostly where or who the question is about — a policy
    /// states it by class (二类城市) or not at all — so it counts half: its absence alone does not make a question
    /// "not sure", and a name the documents do write counts in full. Measured on the public sets: one more question
    /// answered on the dev set, nothing else moved (docs/knowledge.md).
    /// </summary>
    private const double AbsentNameWeight = 0.5;

    /// <param name="questionVector">The question's embedding when dense retrieval is on: its nearest passages join BM25's by reciprocal rank fusion.</param>
    public static KnowledgeSearchResult Find(KnowledgeIndex index, Glossary glossary, string question, int top, Func<Chunk, bool> allowed,
        GroundingThresholds? thresholds = null, float[]? questionVector = null)
    {
        thresholds ??= GroundingThresholds.Default;
        // Typed in traditional characters (請幾天假) or full-width letters (Ｐ５), searched in the index's one form.
        question = index.SearchForm(question);
        // A phone types the curly apostrophe (haven’t): read as the straight one the dictionary writes.
        question = question.Replace('\u2019', '\'');
        // A separable verb split by a count (请6天假) is searched and weighed as the word it is (请假) too.
        var separated = KeyTerms.Separated(question, w => index.Lexicon.Contains(w) && index.Occurs(w));
        if (separated.Count > 0)
        {
            question += " " + string.Join(" ", separated);
        }

        var expansions = glossary.Expand(question);
        var english = EnglishWords.Stems(question);
        var fromEnglish = index.Bridge.FromEnglish(english);
        var concepts = new List<Concept>();
        foreach (var term in KeyTerms.Of(question, w => index.Lexicon.Contains(w) || index.Occurs(w) || index.SoundsAnywhere(w)))
        {
            var latin = term.All(char.IsAscii);
            if (latin && !term.Any(char.IsAsciiDigit) && EnglishWords.Stems(term).Count == 0)
            {
                continue;
            }

            // Whether the documents write it: a word they do not is bridged to one they do (searched once: a scan of them all).
            var written = latin || index.Occurs(term);
            var alternatives = new List<(string Term, double Weight)> { (term, 1) };
            alternatives.AddRange(expansions.Where(e => Related(e.Form, term)).Select(e => (e.Term, 1.0)));
            if (latin)
            {
                var stem = EnglishWords.Stem(term);
                alternatives.AddRange(fromEnglish.Where(f => f.By.Contains(stem)).Take(BridgeTermsPerWord).Select(f => (f.Term, f.Score)));
                if (alternatives.Count == 1)
                {
                    // Not an English word the documents' senses know: perhaps a Chinese one spelt in pinyin (fapiao).
                    alternatives.AddRange(index.Bridge.FromPinyin(term).Take(BridgeTermsPerWord).Select(w => (w, SoundSupport)));
                }
            }
            else if (!written)
            {
                alternatives.AddRange(index.Bridge.FromChinese(term).Take(BridgeTermsPerWord));
                alternatives.AddRange(index.Bridge.FromSound(term).Where(w => alternatives.TrueForAll(a => a.Term != w))
                    .Take(BridgeTermsPerWord).Select(w => (w, SoundSupport)));
            }

            if (!latin && (term.Length == 1 || !written))
            {
                // A word the documents do not write (老丈人, 红包): what the thesaurus groups with it, where the documents
                // write that (岳父, 礼金). A lone character (报, 修) only by the words of its groups that hold it (报销,
                // 修理): its other synonyms are other senses of a verb (提 → 说话, 谈话) and pull in unrelated sections.
                alternatives.AddRange(index.WrittenSynonyms(term)
                    .Where(s => (term.Length > 1 || s.Contains(term, StringComparison.Ordinal)) && alternatives.TrueForAll(a => a.Term != s))
                    .Take(BridgeTermsPerWord).Select(s => (s, 1.0)));
            }

            var glossed = expansions.Any(e => Related(e.Form, term));
            var weight = glossed ? 1 : Weight(term, latin, alternatives.Count);
            if (!latin && !glossed && index.Lexicon.IsName(term) && !written)
            {
                weight = Math.Min(weight, AbsentNameWeight);
            }

            concepts.Add(new Concept(term, latin, alternatives, weight));
        }

        if (concepts.Count == 0)
        {
            // Glossary forms can still carry the meaning ("请假" alone): count each matched form as a concept.
            concepts = expansions.GroupBy(e => e.Form)
                .Select(g => new Concept(g.Key, g.Key.All(char.IsAscii), [(g.Key, 1), .. g.Select(e => (e.Term, 1.0))], 1)).ToList();
        }

        if (concepts.Count == 0)
        {
            return new KnowledgeSearchResult(PolicyQuestion: false, Grounding.Refused, [], 0);
        }

        List<(string, float)> pieces = [(question, 1f), .. expansions.Select(e => (e.Term, 1f))];
        pieces.AddRange(concepts.SelectMany(c => c.Alternatives.Skip(1)).Select(a => (a.Term, (float)a.Weight * BridgeWeight)));
        var hits = index.Search(pieces, question, Math.Max(top, Candidates), allowed);
        if (questionVector is not null && index.Vectors is not null)
        {
            hits = Fused(hits, index.Nearest(questionVector, Math.Max(top, Candidates), allowed), Math.Max(top, Candidates));
        }

        var ranked = hits.Select((h, rank) => (Hit: h, Rank: rank, Coverage: Coverage(index, concepts, [h.Chunk]))).ToList();
        var best = ranked.Count == 0 ? 0 : ranked.Max(r => r.Coverage);

        // The passages that cover the most come first, in BM25 order, then the rest in BM25 order.
        var ordered = ranked.OrderByDescending(r => r.Coverage >= best - 1e-9).ThenBy(r => r.Rank).Select(r => r.Hit).Take(top).ToList();
        best = Math.Max(best, Together(index, concepts, ordered, thresholds.PromptBudgetChars));
        var decision = thresholds.Decide(best);
        var missing = ordered.Count == 0 ? concepts.Select(c => c.Term).ToList()
            : concepts.Where(c => Support(index, c, ordered[0].Chunk) < 0.5).Select(c => c.Term).ToList();
        return new KnowledgeSearchResult(true, decision, ordered, best, missing, Words(index, concepts, ordered))
        {
            SearchForm = index.SearchForm,
        };
    }

    /// <summary>
    /// What a quote is chosen by: each key term and the words that stood for it, and — for a term a passage holds only
    /// by its sound (a typo: 离职证名) — the passage's own spelling of it (证明), so the quote is the clause that says it.
    /// </summary>
    private static List<string> Words(KnowledgeIndex index, List<Concept> concepts, List<(Chunk Chunk, float Score)> ordered)
    {
        var words = concepts.SelectMany(c => c.Alternatives.Select(a => a.Term)).ToList();
        foreach (var concept in concepts.Where(c => !c.Latin && c.Term.Length > 1))
        {
            foreach (var (chunk, _) in ordered)
            {
                var text = index.SearchTextOf(chunk);
                if (!Glossary.Contains(text, concept.Term) && index.SoundsIn(concept.Term, chunk)
                    && Sounds.Spelling(index.Lexicon, concept.Term, text) is { } spelling)
                {
                    words.Add(spelling);
                }
            }
        }

        return words.Distinct().ToList();
    }

    /// <summary>
    /// How much of the question the first two passages cover together, when the prompt holds both and they are one
    /// document's: a document defines a term in one section and uses it in the next (grades, then the table by grade),
    /// and the model reads both. Only the first two, and only of one document: words spread over more passages, or
    /// over unrelated policies, are how a question nobody answered would look covered (measured: a third passage, or
    /// the first with a later one of its document, answered two more unanswerable dev-set questions).
    /// </summary>
    private static double Together(KnowledgeIndex index, List<Concept> concepts, List<(Chunk Chunk, float Score)> ordered, int budgetChars)
    {
        var pair = ordered.Take(2).Select(h => h.Chunk).ToList();
        if (pair.Count < 2 || pair[1].Document != pair[0].Document || GroundedPrompt.Fitting(pair, budgetChars) < 2)
        {
            return 0;
        }

        return Coverage(index, concepts, pair);
    }

    /// <summary>The key terms' weighted support, each term as far as the best of the passages holds it.</summary>
    private static double Coverage(KnowledgeIndex index, List<Concept> concepts, IReadOnlyList<Chunk> passages)
    {
        return concepts.Sum(c => c.Weight * passages.Max(p => Support(index, c, p))) / concepts.Sum(c => c.Weight);
    }

    /// <summary>
    /// How much a key term counts. A lone character (走, 开, 修) is mostly a verb of the sentence, not its subject; an
    /// English word nothing in the documents means is as likely chatter (lol, nervous) as a subject they lack. A term
    /// the glossary lists counts in full whatever its length (猫): the admin named it as a subject.
    /// </summary>
    private static double Weight(string term, bool latin, int alternatives) =>
        latin ? (alternatives > 1 || term.Any(char.IsAsciiDigit) ? 1 : EnglishUnknownWeight) : term.Length == 1 ? SingleCharacterWeight : 1;

    private static double Support(KnowledgeIndex index, Concept concept, Chunk chunk)
    {
        var text = index.SearchTextOf(chunk);
        var support = 0.0;
        foreach (var (term, weight) in concept.Alternatives)
        {
            if (weight > support && Glossary.Contains(text, term))
            {
                support = weight;
            }
        }

        if (support < SoundSupport && !concept.Latin && index.SoundsIn(concept.Term, chunk))
        {
            support = SoundSupport;
        }

        return support;
    }

    /// <summary>
    /// Reciprocal rank fusion (k = 60, as Cormack et al. and most hybrid search use): each list votes 1/(60 + rank)
    /// for a passage, so one that both find rises and either alone can bring one in. A passage only the embedding
    /// found scores 0 from BM25.
    /// </summary>
    private static List<(Chunk Chunk, float Score)> Fused(IReadOnlyList<(Chunk Chunk, float Score)> lexical, List<Chunk> dense, int take)
    {
        const double K = 60;
        var votes = new Dictionary<Chunk, (double Rrf, float Bm25)>(ReferenceEqualityComparer.Instance);
        for (var i = 0; i < lexical.Count; i++)
        {
            votes[lexical[i].Chunk] = (1 / (K + i + 1), lexical[i].Score);
        }

        for (var i = 0; i < dense.Count; i++)
        {
            var (rrf, bm25) = votes.GetValueOrDefault(dense[i]);
            votes[dense[i]] = (rrf + (1 / (K + i + 1)), bm25);
        }

        return votes.OrderByDescending(v => v.Value.Rrf).Take(take).Select(v => (v.Key, v.Value.Bm25)).ToList();
    }

    // A glossary form speaks for a key term when one contains the other ("结婚" and "下个月结婚").
    private static bool Related(string form, string term) =>
        form.Contains(term, StringComparison.OrdinalIgnoreCase) || term.Contains(form, StringComparison.OrdinalIgnoreCase);

    private sealed record Concept(string Term, bool Latin, List<(string Term, double Weight)> Alternatives, double Weight);
}
