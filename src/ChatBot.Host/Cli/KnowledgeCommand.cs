using System.CommandLine;
using System.Diagnostics;
using System.Text.Encodings.Web;
using System.Text.Json;
using ChatBot.Core.AdminFiles;
using ChatBot.Core.Knowledge;
using ChatBot.Core.Knowledge.Search;
using ChatBot.Inference.Engine;
using Microsoft.Extensions.Logging.Abstractions;

namespace ChatBot.Host.Cli;

/// <summary>
/// <c>knowledge search</c>: what the bot would retrieve and cite for each question (one per line on stdin, or
/// <c>--question</c>), as JSON lines. <c>knowledge eval</c>: section hit@1, hit@3, MRR and refusal accuracy over a
/// questions file in the format of the public sample, with the list of misses.
/// </summary>
internal static class KnowledgeCommand
{
    private static readonly JsonSerializerOptions Json = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    // The question's embedding when --embeddings names a model (one verb per process, so one embedder).
    private static Func<string, float[]?> Embed { get; set; } = _ => null;

    public static Command Create()
    {
        Option[] shared =
        [
            CliVerbs.Value("docs", "the documents' folder (Knowledge:Folder, config/knowledge)"),
            CliVerbs.Value("top", "passages to retrieve (3)"),
            CliVerbs.Value("synonyms", "the glossary (Knowledge:SynonymsFile, config/knowledge-synonyms.txt); an empty file for none"),
            CliVerbs.Value("lexicon", "the dictionary (Knowledge:LexiconFile, data/cc-cedict.tsv.gz); a missing file for none"),
            CliVerbs.Value("embeddings", "a GGUF embedding model: dense retrieval fused with BM25, as Knowledge:EmbeddingModelPath does"),
        ];
        Command search = new("search", "What the bot retrieves and cites for each question (on stdin, one per line, unless --question).")
        {
            CliVerbs.Value("question", "one question instead of stdin"),
            CliVerbs.Value("user", "search as this asker would: documents limited to others are left out"),
            CliVerbs.Value("departments", "the asker's departments, e.g. 5,wecom:7"),
        };
        Command eval = new("eval", "hit@1, hit@3, MRR, refusal accuracy and the misses over a question set.")
        {
            CliVerbs.Value("questions", "the questions, JSON lines (a \"kind\" field breaks the figures down by kind)"),
            CliVerbs.Flag("sweep", "also the trade-off of every pair of thresholds (refused / not sure / answered)"),
        };
        foreach (var option in shared)
        {
            search.Options.Add(option);
            eval.Options.Add(option);
        }

        search.SetAction((result, _) => RunAsync("search", CliVerbs.Values(result)));
        eval.SetAction((result, _) => RunAsync("eval", CliVerbs.Values(result)));
        return new Command("knowledge", "Check what the bot retrieves and cites from the policy documents.") { search, eval };
    }

    public static async Task<int> RunAsync(string verb, Dictionary<string, string> options)
    {
        var folder = options.GetValueOrDefault("docs") ?? new KnowledgeOptions().Folder;
        if (!Directory.Exists(folder))
        {
            Console.Error.WriteLine($"knowledge: the folder '{folder}' does not exist (--docs DIR, or Knowledge:Folder).");
            return 2;
        }

        var top = int.TryParse(options.GetValueOrDefault("top"), out var k) && k > 0 ? k : 3;
        var synonyms = options.GetValueOrDefault("synonyms") ?? new KnowledgeOptions().SynonymsFile;
        var glossary = File.Exists(synonyms) ? Glossary.Parse(await File.ReadAllTextAsync(synonyms), synonyms) : Glossary.Empty;
        KnowledgeIndex index;
        IReadOnlyList<(string File, string Reason)> skipped;
        LlamaEmbedder? embedder = null;
        try
        {
            embedder = options.GetValueOrDefault("embeddings") is { Length: > 0 } model ? LlamaEmbedder.Load(model, null, Environment.ProcessorCount) : null;
            index = KnowledgeBase.Build(folder, NullLogger.Instance, out skipped,
                KnowledgeBase.LoadLexicon(options.GetValueOrDefault("lexicon") ?? new KnowledgeOptions().LexiconFile, NullLogger.Instance), embedder);
        }
        catch (Exception ex) when (ex is AdminFileException or InvalidOperationException)
        {
            embedder?.Dispose();
            Console.Error.WriteLine($"knowledge: {ex.Message}");
            return 2;
        }

        using var _ = index;
        using var __ = embedder;
        Embed = embedder is null ? _ => null : embedder.Embed;
        foreach (var (file, reason) in skipped)
        {
            Console.Error.WriteLine($"knowledge: skipped {file}: {reason}");
        }

        return verb == "search"
            ? await SearchAsync(index, glossary, top, options.GetValueOrDefault("question"), Asker(options))
            : await EvalAsync(index, glossary, top, options.GetValueOrDefault("questions"), options.ContainsKey("sweep"));
    }

    /// <summary>Who the search runs as: everyone's view (an admin checking the index), or one asker's.</summary>
    private static Func<Chunk, bool> Asker(Dictionary<string, string> options)
    {
        if (!options.ContainsKey("user") && !options.ContainsKey("departments"))
        {
            return _ => true;
        }

        var user = options.GetValueOrDefault("user") ?? "";
        var departments = options.GetValueOrDefault("departments")?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return chunk => chunk.Access.Allows(user, departments);
    }

    private static async Task<int> SearchAsync(KnowledgeIndex index, Glossary glossary, int top, string? question, Func<Chunk, bool> allowed)
    {
        var questions = question is not null ? [question] : await ReadLinesAsync(Console.In);
        foreach (var q in questions)
        {
            var answer = KnowledgeSearch.Find(index, glossary, q, top, allowed, questionVector: Embed(q));
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                question = q,
                decision = answer.Decision.ToString().ToLowerInvariant(),
                coverage = Math.Round(answer.Coverage, 2),
                missing = answer.Missing,
                citation = answer.Best is { } best ? Citation.Line(best) + " 「" + Citation.Quote(best, answer.Words ?? []) + "」" : null,
                hits = answer.Hits.Select(h => new { doc = h.Chunk.Document, section = h.Chunk.Section, score = Math.Round(h.Score, 3), text = h.Chunk.Text }),
            }, Json));
        }

        return 0;
    }

    private static async Task<int> EvalAsync(KnowledgeIndex index, Glossary glossary, int top, string? questionsFile, bool sweep)
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
            var answer = KnowledgeSearch.Find(index, glossary, question, top, _ => true, questionVector: Embed(question));
            latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            var rank = doc is null ? 0 : answer.Hits.ToList().FindIndex(h =>
                h.Chunk.Document.EndsWith(doc, StringComparison.Ordinal) && h.Chunk.Heading.Contains(section!, StringComparison.Ordinal)) + 1;
            results.Add(new EvalResult(question, Text(root, "kind") ?? (doc is null ? "unanswerable" : "answerable"), doc, section, rank, answer));
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
        }, Json));
        return 0;
    }

    /// <summary>
    /// The figures of a set of questions. hit@k counts retrieval (the section among the first k passages, whatever was
    /// decided); <c>wronglyRefused</c> and <c>unsure</c> count what an answerable question's asker was told;
    /// <c>refused</c> and <c>answered</c> what an unanswerable one's was; <c>citedRight</c> the answered questions whose
    /// citation names the section that answers.
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
        !answer.PolicyQuestion ? Grounding.Refused : answer.Coverage >= t.AnswerAt ? Grounding.Answered : answer.Coverage >= t.UnsureAt ? Grounding.Unsure : Grounding.Refused;

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

    private static string? Text(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private sealed record EvalResult(string Question, string Kind, string? Doc, string? Section, int Rank, KnowledgeSearchResult Answer);

    private static async Task<List<string>> ReadLinesAsync(TextReader input)
    {
        var lines = new List<string>();
        while (await input.ReadLineAsync() is { } line)
        {
            if (line.Trim().Length > 0)
            {
                lines.Add(line.Trim());
            }
        }

        return lines;
    }
}
