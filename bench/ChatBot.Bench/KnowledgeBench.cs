using System.Diagnostics;
using System.Text;
using System.Text.Json;
using ChatBot.Core.Knowledge;
using ChatBot.Knowledge;
using ChatBot.Knowledge.Documents;
using ChatBot.Knowledge.Search;
using Lucene.Net.Analysis.Cn.Smart;
using Lucene.Net.Analysis.Standard;
using Lucene.Net.Util;
using Microsoft.Extensions.Logging.Abstractions;

namespace ChatBot.Bench;

/// <summary>
/// Retrieval on a questions file (the public sample's format), ChatBot's pipeline beside the usual peer — BM25 with a
/// standard analyzer over fixed 500-character chunks, no glossary, no refusal (how LangBot and AnythingLLM chunk) —
/// in one run: section hit@3 (retrieval, whatever was decided), MRR, answerable questions refused, unanswerable ones
/// refused and not answered (refused or "not sure"), index time, query p50/p99; and index time for 1,000 generated pages.
/// Ours runs as shipped, with an empty glossary, and without the lexicon, so each part's share is measured.
/// </summary>
internal static class KnowledgeBench
{
    public static int Run(string[] args)
    {
        var docs = args[0];
        var questions = File.ReadAllLines(args[1]).Where(l => l.Trim().Length > 0).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var glossary = Glossary.Parse(File.ReadAllText(args[2]), args[2]);
        var lexicon = KnowledgeBase.LoadLexicon(args.Length > 3 ? args[3] : Lexicon.DefaultFile, NullLogger.Instance)
            .With(KnowledgeBase.LoadThesaurus(Thesaurus.DefaultFile, NullLogger.Instance));
        var rows = new List<object>();
        for (var round = 0; round < 3; round++)
        {
            rows.Add(Measure("ChatBot", round, () => KnowledgeBase.Build(docs, NullLogger.Instance, out _, lexicon),
                index => q => KnowledgeSearch.Find(index, glossary, q, 3, _ => true), questions, docs));
            // What the search does with no admin's words: the figures a new company starts from.
            rows.Add(Measure("ChatBot, empty glossary", round, () => KnowledgeBase.Build(docs, NullLogger.Instance, out _, lexicon),
                index => q => KnowledgeSearch.Find(index, Glossary.Empty, q, 3, _ => true), questions, docs));
            // Without the dictionary: characters and the glossary only (no sound, no English senses).
            rows.Add(Measure("ChatBot without the lexicon", round, () => KnowledgeBase.Build(docs, NullLogger.Instance, out _),
                index => q => KnowledgeSearch.Find(index, glossary, q, 3, _ => true), questions, docs));
            // The same pipeline over SmartCn's words instead of CJK bigrams: the analyzer choice, measured.
            rows.Add(Measure("ChatBot with SmartCn words", round, () => Reindexed(docs, lexicon, new SmartChineseAnalyzer(LuceneVersion.LUCENE_48)),
                index => q => KnowledgeSearch.Find(index, glossary, q, 3, _ => true), questions, docs));
            rows.Add(Measure("BM25 standard, 500-char chunks", round, () => new KnowledgeIndex(FixedChunks(docs), analyzer: new StandardAnalyzer(LuceneVersion.LUCENE_48)),
                index => q => new KnowledgeSearchResult(true, Grounding.Answered, index.Search([(q, 1f)], null, 3, _ => true), 1), questions, docs));
        }

        var pages = Directory.CreateTempSubdirectory("chatbot-pages");
        GeneratePages(pages.FullName, 1000);
        var watch = Stopwatch.StartNew();
        using (var big = KnowledgeBase.Build(pages.FullName, NullLogger.Instance, out _, lexicon))
        {
            Console.WriteLine(JsonSerializer.Serialize(new { knowledge = rows, pages = 1000, pagesChunks = big.Chunks.Count, pagesIndexMs = watch.Elapsed.TotalMilliseconds }));
        }

        pages.Delete(recursive: true);
        return 0;
    }

    private static KnowledgeIndex Reindexed(string docs, Lexicon lexicon, Lucene.Net.Analysis.Analyzer analyzer)
    {
        using var bigrams = KnowledgeBase.Build(docs, NullLogger.Instance, out _);
        return new KnowledgeIndex(bigrams.Chunks, lexicon, analyzer);
    }

    private static object Measure(string peer, int round, Func<KnowledgeIndex> build, Func<KnowledgeIndex, Func<string, KnowledgeSearchResult>> searcher,
        List<JsonElement> questions, string docs)
    {
        var watch = Stopwatch.StartNew();
        using var index = build();
        var indexMs = watch.Elapsed.TotalMilliseconds;
        var search = searcher(index);
        int answerable = 0, hit3 = 0, wronglyRefused = 0, unanswerable = 0, refused = 0, notAnswered = 0;
        var reciprocal = 0.0;
        foreach (var q in questions)
        {
            var answer = search(q.GetProperty("question").GetString()!);
            if (q.GetProperty("doc").ValueKind != JsonValueKind.String)
            {
                unanswerable++;
                refused += answer.Refused ? 1 : 0;
                notAnswered += answer.Decision != Grounding.Answered ? 1 : 0;
                continue;
            }

            answerable++;
            var (doc, section) = (q.GetProperty("doc").GetString()!, q.GetProperty("section").GetString()!);
            var rank = answer.Hits.ToList().FindIndex(h => Covers(h.Chunk, doc, section, docs)) + 1;
            wronglyRefused += answer.Refused ? 1 : 0;

            hit3 += rank is >= 1 and <= 3 ? 1 : 0;
            reciprocal += rank > 0 ? 1.0 / rank : 0;
        }

        var latencies = new List<double>();
        for (var i = 0; i < 50; i++)
        {
            foreach (var q in questions)
            {
                var started = Stopwatch.GetTimestamp();
                search(q.GetProperty("question").GetString()!);
                latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
        }

        latencies.Sort();
        return new
        {
            peer, round, indexMs, answerable, hitAt3 = hit3, mrr = reciprocal / answerable, wronglyRefused,
            unanswerable, refused, notAnswered,
            p50 = latencies[latencies.Count / 2], p99 = latencies[(int)(latencies.Count * 0.99)],
        };
    }

    /// <summary>Whether a passage lies in the wanted section: by heading path for ours, by character range for fixed chunks.</summary>
    private static bool Covers(Chunk chunk, string doc, string section, string docs)
    {
        if (!chunk.Document.EndsWith(doc, StringComparison.Ordinal))
        {
            return false;
        }

        if (chunk.Path.Count > 0 && chunk.Path[0] != "fixed")
        {
            return chunk.IsIn(section);
        }

        // The section runs from its heading to the next heading of its level or above, its subsections included.
        var text = File.ReadAllText(Path.Combine(docs, doc));
        var start = text.IndexOf(section, StringComparison.Ordinal);
        if (start < 0)
        {
            return false;
        }

        var level = Hashes(text.LastIndexOf('\n', start) + 1);
        var end = text.Length;
        for (var next = text.IndexOf("\n#", start, StringComparison.Ordinal); next >= 0; next = text.IndexOf("\n#", next + 1, StringComparison.Ordinal))
        {
            if (level == 0 || Hashes(next + 1) <= level)
            {
                end = next;
                break;
            }
        }

        var at = int.Parse(chunk.Path[1], System.Globalization.CultureInfo.InvariantCulture);
        return at < end && at + chunk.Text.Length > start;

        // The Markdown heading level of the line that starts here (0: not a heading line).
        int Hashes(int from)
        {
            var count = 0;
            while (from + count < text.Length && text[from + count] == '#')
            {
                count++;
            }

            return count;
        }
    }

    private static List<Chunk> FixedChunks(string docs) =>
        Directory.GetFiles(docs).SelectMany(file =>
        {
            var text = File.ReadAllText(file);
            return Enumerable.Range(0, (text.Length + 499) / 500).Select(i =>
                new Chunk(Path.GetFileName(file), "", ["fixed", (i * 500).ToString(System.Globalization.CultureInfo.InvariantCulture)],
                    text.Substring(i * 500, Math.Min(500, text.Length - (i * 500))), DocumentAccess.Everyone));
        }).ToList();

    private static void GeneratePages(string folder, int pages)
    {
        var random = new Random(7);
        const string words = "员工公司制度申请审批报销出差住宿标准培训考核绩效工资加班休假年假婚假产假病假宿舍食堂安全卫生合同试用转正离职福利补贴社保公积金";
        for (var file = 0; file < pages / 20; file++)
        {
            var text = new StringBuilder($"# 制度{file}\n");
            for (var page = 0; page < 20; page++)
            {
                text.Append($"## 第{page + 1}条 规定{page}\n");
                for (var line = 0; line < 12; line++)
                {
                    for (var c = 0; c < 60; c++)
                    {
                        text.Append(words[random.Next(words.Length)]);
                    }

                    text.Append("。\n");
                }
            }

            File.WriteAllText(Path.Combine(folder, $"policy-{file}.md"), text.ToString());
        }
    }
}
