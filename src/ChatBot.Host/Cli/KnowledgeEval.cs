using System.Diagnostics;
using System.Text.Json;
using ChatBot.Core.Knowledge;
using ChatBot.Knowledge;
using ChatBot.Knowledge.Search;

namespace ChatBot.Host.Cli;

/// <summary>
/// <c>knowledge eval</c>: section hit@1, hit@3, MRR and refusal accuracy over a questions file in the format of the
/// public sets (JSON lines of <c>question</c>, <c>doc</c>, <c>section</c>, optional <c>kind</c> and <c>answer_facts</c>),
/// per kind, how often the cited quote holds an answer fact, with the list of misses and, on request, the trade-off
/// of every pair of thresholds.
/// </summary>
internal static class KnowledgeEval
{
    public static async Task<int> RunAsync(KnowledgeIndex index, Glossary glossary, int top, string? questionsFile, bool sweep, Func<string, float[]?> embed)
    {
        if (questionsFile is null || !File.Exists(questionsFile))
        {
            Console.Error.WriteLine("knowledge eval: --questions FILE.jsonl is required (lines of {\"question\", \"doc\", \"section\"}).");
            return 2;
        }

        // The first search pays for the analyzers' dictionaries and the JIT: not a query's latency.
        KnowledgeSearch.Find(index, glossary, "年假", top, _ => true);
        var results = new List<EvalResult>();
        var latencies = new List<double>();
        foreach (var line in await File.ReadAllLinesAsync(questionsFile))
        {
            if (line.Trim().Length == 0)
            {
                continue;
            }

            using var item = JsonDocument.Parse(line);
            var root = item.RootElement;
            var question = root.GetProperty("question").GetString()!;
            var doc = Text(root, "doc");
            var section = Text(root, "section");
            var started = Stopwatch.GetTimestamp();
            var answer = KnowledgeSearch.Find(index, glossary, question, top, _ => true, questionVector: embed(question));
            latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            // The labelled section: a passage of its document in it or in a sub-section of it.
            bool Right(Chunk chunk) => doc is not null && chunk.Document.EndsWith(doc, StringComparison.Ordinal) && chunk.IsIn(section!);
            var rank = doc is null ? 0 : answer.Hits.ToList().FindIndex(h => Right(h.Chunk)) + 1;
            var quote = answer.Best is { } best ? Citation.Quote(best, answer) : null;
            var facts = root.TryGetProperty("answer_facts", out var f) && f.ValueKind == JsonValueKind.Array
                ? f.EnumerateArray().Select(e => e.GetString() ?? "").ToList()
                : [];
            // The right section among those a "not sure" reply shows, if it is there.
            var shown = doc is null || answer.Decision != Grounding.Unsure ? null
                : answer.Hits.Take(KnowledgeReplies.UnsureSections).Select(h => h.Chunk).FirstOrDefault(Right);
            // The citation an answer that states the facts would carry: what attribution does when the model says the rule.
            var cited = doc is null || facts.Count == 0 || answer.Hits.Count == 0 ? null
                : Attribution.Cite(string.Join("；", facts), question, answer,
                    GroundedPrompt.Held([.. answer.Hits.Select(h => h.Chunk)], GroundingThresholds.Default.PromptBudgetChars)).Chunk;
            results.Add(new EvalResult(question, Text(root, "kind") ?? (doc is null ? "unanswerable" : "answerable"), doc, section, rank, answer)
            {
                QuoteHoldsFact = quote is not null && facts.Exists(fact => Shares(quote, fact)),
                UnsureShowsSection = shown is not null,
                UnsureShowsFact = shown is not null && facts.Exists(fact => Shares(Citation.Quote(shown, answer), fact)),
                CitedRightFromFacts = cited is not null && Right(cited),
            });
        }

        latencies.Sort();
        var byKind = results.GroupBy(r => r.Kind).OrderBy(g => g.Key, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => Figures(g.ToList(), GroundingThresholds.Default));
        Console.WriteLine(JsonSerializer.Serialize(new
        {
            all = Figures(results, GroundingThresholds.Default),
            byKind,
            queryP50Ms = latencies.Count == 0 ? 0 : Math.Round(latencies[latencies.Count / 2], 2),
            queryP99Ms = latencies.Count == 0 ? 0 : Math.Round(latencies[Math.Min(latencies.Count - 1, (int)Math.Ceiling(latencies.Count * 0.99) - 1)], 2),
            sweep = sweep ? Sweep(results) : null,
            misses = results.Select(Miss).OfType<string>().ToList(),
        }, KnowledgeCommand.Json));
        return 0;
    }

    /// <summary>
    /// The figures of a set of questions. hit@k counts retrieval (the section among the first k passages, whatever was
    /// decided); <c>wronglyRefused</c> and <c>unsure</c> count what an answerable question's asker was told;
    /// <c>refused</c> and <c>answered</c> what an unanswerable one's was; <c>citedRight</c> the answered questions whose
    /// citation names the section that answers, and <c>quoteHoldsFact</c> those of them whose quote says an answer fact;
    /// <c>citedRightFromFacts</c> the answered questions whose citation names it once the answer is written, were the
    /// answer to state the set's answer facts (<see cref="Attribution"/>); <c>unsureShowsSection</c> the questions told
    /// "not sure" whose reply shows the right section, and <c>unsureShowsFact</c> those whose quote of it says an answer fact.
    /// </summary>
    private static object Figures(List<EvalResult> results, GroundingThresholds thresholds)
    {
        var answerable = results.Where(r => r.Doc is not null).ToList();
        var unanswerable = results.Where(r => r.Doc is null).ToList();
        var decisions = results.ToDictionary(r => r, r => Decide(r.Answer, thresholds));
        return new
        {
            answerable = answerable.Count,
            hitAt1 = answerable.Count(r => r.Rank == 1),
            hitAt3 = answerable.Count(r => r.Rank is >= 1 and <= 3),
            mrr = answerable.Count == 0 ? 0 : Math.Round(answerable.Sum(r => r.Rank > 0 ? 1.0 / r.Rank : 0) / answerable.Count, 3),
            answeredCitedRight = answerable.Count(r => decisions[r] == Grounding.Answered && r.Rank == 1),
            quoteHoldsFact = answerable.Count(r => decisions[r] == Grounding.Answered && r.Rank == 1 && r.QuoteHoldsFact),
            citedRightFromFacts = answerable.Count(r => decisions[r] == Grounding.Answered && r.CitedRightFromFacts),
            unsureShowsSection = answerable.Count(r => r.UnsureShowsSection),
            unsureShowsFact = answerable.Count(r => r.UnsureShowsFact),
            unsure = answerable.Count(r => decisions[r] == Grounding.Unsure),
            wronglyRefused = answerable.Count(r => decisions[r] == Grounding.Refused),
            unanswerable = unanswerable.Count,
            refused = unanswerable.Count(r => decisions[r] == Grounding.Refused),
            unsureUnanswerable = unanswerable.Count(r => decisions[r] == Grounding.Unsure),
            answeredUnanswerable = unanswerable.Count(r => decisions[r] == Grounding.Answered),
        };
    }

    /// <summary>The trade-off the thresholds set, for each pair: what answerable questions lose against what unanswerable ones get.</summary>
    private static List<object> Sweep(List<EvalResult> results)
    {
        var rows = new List<object>();
        foreach (var unsureAt in new[] { 0.3, 0.4, 0.5, 0.6 })
        {
            foreach (var answerAt in new[] { 0.6, 0.7, 0.8, 0.9, 1.0 })
            {
                if (answerAt < unsureAt)
                {
                    continue;
                }

                var t = new GroundingThresholds(unsureAt, answerAt);
                var answerable = results.Where(r => r.Doc is not null).ToList();
                var unanswerable = results.Where(r => r.Doc is null).ToList();
                rows.Add(new
                {
                    unsureAt, answerAt,
                    answerableRefused = answerable.Count(r => Decide(r.Answer, t) == Grounding.Refused),
                    answerableUnsure = answerable.Count(r => Decide(r.Answer, t) == Grounding.Unsure),
                    unanswerableAnswered = unanswerable.Count(r => Decide(r.Answer, t) == Grounding.Answered),
                    unanswerableUnsure = unanswerable.Count(r => Decide(r.Answer, t) == Grounding.Unsure),
                });
            }
        }

        return rows;
    }

    private static Grounding Decide(KnowledgeSearchResult answer, GroundingThresholds t) =>
        answer.PolicyQuestion ? t.Decide(answer.Coverage) : Grounding.Refused;

    private static string? Miss(EvalResult r)
    {
        var got = r.Answer.Hits.Count == 0 ? "-" : r.Answer.Hits[0].Chunk.Section;
        var decision = r.Answer.Decision.ToString().ToLowerInvariant();
        if (r.Doc is null)
        {
            return r.Answer.Decision == Grounding.Refused ? null : $"[{r.Kind}] {decision}, should be refused: {r.Question} → {got} (coverage {r.Answer.Coverage:F2}, missing {string.Join(" ", r.Answer.Missing ?? [])})";
        }

        return r.Rank is >= 1 and <= 3 && r.Answer.Decision != Grounding.Refused
            ? null
            : $"[{r.Kind}] {(r.Rank is >= 1 and <= 3 ? "" : "missed, ")}{decision}: {r.Question} → want {r.Doc} › {r.Section}, got {got} (coverage {r.Answer.Coverage:F2}, missing {string.Join(" ", r.Answer.Missing ?? [])})";
    }

    /// <summary>
    /// Whether a quote says one of the facts the answer needs (the sets' <c>answer_facts</c>, written as a person
    /// states them): at least 40 % of the fact's pairs of neighbouring letters, digits or Chinese characters are in
    /// the quote. Rough — a fact is a paraphrase, not a span — but it tells a quote of the rule asked about from a
    /// neighbouring clause that only shares the question's common words.
    /// </summary>
    private static bool Shares(string quote, string fact)
    {
        var pairs = Pairs(fact);
        return pairs.Count > 0 && pairs.Count(Pairs(quote).Contains) >= 0.4 * pairs.Count;
    }

    private static HashSet<string> Pairs(string text)
    {
        var kept = new string(text.Where(c => char.IsLetterOrDigit(c) || c == '%').ToArray());
        return Enumerable.Range(0, Math.Max(0, kept.Length - 1)).Select(i => kept.Substring(i, 2)).ToHashSet(StringComparer.Ordinal);
    }

    private static string? Text(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private sealed record EvalResult(string Question, string Kind, string? Doc, string? Section, int Rank, KnowledgeSearchResult Answer)
    {
        /// <summary>The reply's quote says one of the question's <c>answer_facts</c> (<see cref="Shares"/>).</summary>
        public bool QuoteHoldsFact { get; init; }

        /// <summary>
        /// With the question's <c>answer_facts</c> standing in for the model's answer, <see cref="Attribution"/> cites the
        /// right section: what the reply's citation is when the model states the rule (the model is not run).
        /// </summary>
        public bool CitedRightFromFacts { get; init; }

        /// <summary>Told "not sure", and the right section is among those the reply shows.</summary>
        public bool UnsureShowsSection { get; init; }

        /// <summary>Told "not sure", and the right section's quote in the reply says an answer fact (<see cref="Shares"/>).</summary>
        public bool UnsureShowsFact { get; init; }
    }
}
