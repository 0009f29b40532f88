using System.CommandLine;
using System.Diagnostics;
using System.Text.Encodings.Web;
using System.Text.Json;
using ChatBot.Core.AdminFiles;
using ChatBot.Core.Knowledge;
using ChatBot.Core.Knowledge.Search;
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

    public static Command Create()
    {
        Option[] shared =
        [
            CliVerbs.Value("docs", "the documents' folder (Knowledge:Folder, config/knowledge)"),
            CliVerbs.Value("top", "passages to retrieve (3)"),
            CliVerbs.Value("synonyms", "the glossary (Knowledge:SynonymsFile, config/knowledge-synonyms.txt)"),
        ];
        Command search = new("search", "What the bot retrieves and cites for each question (on stdin, one per line, unless --question).")
        {
            CliVerbs.Value("question", "one question instead of stdin"),
            CliVerbs.Value("user", "search as this asker would: documents limited to others are left out"),
            CliVerbs.Value("departments", "the asker's departments, e.g. 5,wecom:7"),
        };
        Command eval = new("eval", "hit@1, hit@3, MRR, refusal accuracy and the misses over a question set.")
        {
            CliVerbs.Value("questions", "the questions, JSON lines"),
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
        try
        {
            index = KnowledgeBase.Build(folder, NullLogger.Instance, out skipped);
        }
        catch (AdminFileException ex)
        {
            Console.Error.WriteLine($"knowledge: {ex.Message}");
            return 2;
        }

        using var _ = index;
        foreach (var (file, reason) in skipped)
        {
            Console.Error.WriteLine($"knowledge: skipped {file}: {reason}");
        }

        return verb == "search"
            ? await SearchAsync(index, glossary, top, options.GetValueOrDefault("question"), Asker(options))
            : await EvalAsync(index, glossary, top, options.GetValueOrDefault("questions"));
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
            var answer = KnowledgeSearch.Find(index, glossary, q, top, allowed);
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                question = q,
                refused = answer.Refused,
                citation = answer.Best is { } best ? Citation.Line(best) + " 「" + Citation.Quote(best, q, glossary) + "」" : null,
                hits = answer.Hits.Select(h => new { doc = h.Chunk.Document, section = h.Chunk.Section, score = Math.Round(h.Score, 3), text = h.Chunk.Text }),
            }, Json));
        }

        return 0;
    }

    private static async Task<int> EvalAsync(KnowledgeIndex index, Glossary glossary, int top, string? questionsFile)
    {
        if (questionsFile is null || !File.Exists(questionsFile))
        {
            Console.Error.WriteLine("knowledge eval: --questions FILE.jsonl is required (lines of {\"question\", \"doc\", \"section\"}).");
            return 2;
        }

        int answerable = 0, hit1 = 0, hit3 = 0, unanswerable = 0, refusedRight = 0;
        var reciprocal = 0.0;
        var misses = new List<string>();
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
            var doc = root.TryGetProperty("doc", out var d) && d.ValueKind == JsonValueKind.String ? d.GetString() : null;
            var section = root.TryGetProperty("section", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString() : null;
            var started = Stopwatch.GetTimestamp();
            var answer = KnowledgeSearch.Find(index, glossary, question, top, _ => true);
            latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            if (doc is null)
            {
                unanswerable++;
                refusedRight += answer.Refused ? 1 : 0;
                if (!answer.Refused)
                {
                    misses.Add($"not refused: {question} → {answer.Best?.Section}");
                }

                continue;
            }

            answerable++;
            var rank = answer.Refused ? 0 : answer.Hits.ToList().FindIndex(h =>
                h.Chunk.Document.EndsWith(doc, StringComparison.Ordinal) && h.Chunk.Heading.Contains(section!, StringComparison.Ordinal)) + 1;

            hit1 += rank == 1 ? 1 : 0;
            hit3 += rank is >= 1 and <= 3 ? 1 : 0;
            reciprocal += rank > 0 ? 1.0 / rank : 0;
            if (rank is 0 or > 3)
            {
                misses.Add($"{(answer.Refused ? "refused" : "missed")}: {question} → want {doc} › {section}, got {answer.Hits.FirstOrDefault().Chunk?.Section ?? "-"} (coverage {answer.Coverage:F2})");
            }
        }

        latencies.Sort();
        Console.WriteLine(JsonSerializer.Serialize(new
        {
            answerable, unanswerable,
            hitAt1 = answerable == 0 ? 0 : Math.Round(hit1 / (double)answerable, 3),
            hitAt3 = answerable == 0 ? 0 : Math.Round(hit3 / (double)answerable, 3),
            mrr = answerable == 0 ? 0 : Math.Round(reciprocal / answerable, 3),
            refusalAccuracy = unanswerable == 0 ? 1 : Math.Round(refusedRight / (double)unanswerable, 3),
            queryP50Ms = latencies.Count == 0 ? 0 : Math.Round(latencies[latencies.Count / 2], 2),
            misses,
        }, Json));
        return 0;
    }

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
