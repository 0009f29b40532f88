using System.CommandLine;
using System.Text.Encodings.Web;
using System.Text.Json;
using ChatBot.Core.AdminFiles;
using ChatBot.Core.Knowledge;
using ChatBot.Knowledge;
using ChatBot.Knowledge.Search;
using ChatBot.Inference.Engine;
using Microsoft.Extensions.Logging.Abstractions;

namespace ChatBot.Host.Cli;

/// <summary>
/// <c>knowledge search</c>: what the bot would retrieve and cite for each question (one per line on stdin, or
/// <c>--question</c>), as JSON lines. <c>knowledge eval</c>: the figures over a question set (<see cref="KnowledgeEval"/>).
/// </summary>
internal static class KnowledgeCommand
{
    /// <summary>The verbs' JSON lines: Chinese as written, so an admin reads them as they are.</summary>
    internal static readonly JsonSerializerOptions Json = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

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
            CliVerbs.Value("thesaurus", "the synonym groups (Knowledge:ThesaurusFile, data/cilin-synonyms.txt.gz); an empty value for none"),
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
        var glossary = File.Exists(synonyms) ? GlossaryFile.Parse(await File.ReadAllTextAsync(synonyms), synonyms) : Glossary.Empty;
        KnowledgeIndex index;
        IReadOnlyList<(string File, string Reason)> skipped;
        // What loading the dictionary says (missing, unreadable: typo, English and traditional-character matching are
        // then off) goes to stderr, as the host logs it at start; stdout is the JSON.
        using var warnings = LoggerFactory.Create(logging => logging.SetMinimumLevel(LogLevel.Warning)
            .AddConsole(console => console.LogToStandardErrorThreshold = LogLevel.Trace));
        var said = warnings.CreateLogger("knowledge");
        LlamaEmbedder? embedder = null;
        try
        {
            embedder = options.GetValueOrDefault("embeddings") is { Length: > 0 } model ? LlamaEmbedder.Load(model, null, Environment.ProcessorCount) : null;
            index = KnowledgeBase.Build(folder, NullLogger.Instance, out skipped,
                KnowledgeBase.LoadLexicon(options.GetValueOrDefault("lexicon") ?? new KnowledgeOptions().LexiconFile, said)
                    .With(KnowledgeBase.LoadThesaurus(options.GetValueOrDefault("thesaurus") ?? new KnowledgeOptions().ThesaurusFile, said)),
                embedder);
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
            : await KnowledgeEval.RunAsync(index, glossary, top, options.GetValueOrDefault("questions"), options.ContainsKey("sweep"), Embed);
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
                words = answer.Words,
                citation = answer.Best is { } best ? Citation.Line(best) + " 「" + Citation.Quote(best, answer) + "」" : null,
                hits = answer.Hits.Select(h => new { doc = h.Chunk.Document, section = h.Chunk.Section, score = Math.Round(h.Score, 3), text = h.Chunk.Text }),
            }, Json));
        }

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
