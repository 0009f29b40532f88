using Lucene.Net.Analysis;
using Lucene.Net.Analysis.Cjk;
using Lucene.Net.Documents;
using Lucene.Net.Index;
using Lucene.Net.Search;
using Lucene.Net.Search.Similarities;
using Lucene.Net.Store;
using Lucene.Net.Util;

namespace ChatBot.Core.Knowledge.Search;

/// <summary>
/// BM25 over the passages in memory. Chinese is indexed as overlapping character bigrams (CJKAnalyzer). Raw BM25 on
/// the public sample put the right section in the top 3 more often with bigrams than with SmartCn's or jieba's words
/// (knowledge.md); with the glossary and key-term coverage on top, bigrams and SmartCn tie there (`bench/run
/// knowledge` measures both each run). Bigrams stay: they need no dictionary to miss a company's own terms (product,
/// place and benefit names a dictionary splits wrongly). The heading path is its own field, weighted above the text, so a
/// question naming a section finds it. Immutable once built: a rebuild makes a new index and swaps it in.
/// </summary>
public sealed class KnowledgeIndex : IDisposable
{
    private const float PathBoost = 1.5f;
    private readonly RAMDirectory _directory = new();
    private readonly DirectoryReader _reader;
    private readonly IndexSearcher _searcher;
    private readonly Analyzer _analyzer;

    public KnowledgeIndex(IReadOnlyList<Chunk> chunks, Analyzer? analyzer = null)
    {
        Chunks = chunks;
        RestrictsDepartments = chunks.Any(c => c.Access.RestrictsDepartments);
        _analyzer = analyzer ?? new CJKAnalyzer(LuceneVersion.LUCENE_48);
        var config = new IndexWriterConfig(LuceneVersion.LUCENE_48, _analyzer) { Similarity = new BM25Similarity() };
        using (var writer = new IndexWriter(_directory, config))
        {
            for (var i = 0; i < chunks.Count; i++)
            {
                writer.AddDocument(
                [
                    new StoredField("ordinal", i),
                    new TextField("path", chunks[i].Section, Field.Store.NO),
                    new TextField("text", chunks[i].Text, Field.Store.NO),
                ]);
            }

            writer.Commit();
        }

        _reader = DirectoryReader.Open(_directory);
        _searcher = new IndexSearcher(_reader) { Similarity = new BM25Similarity() };
    }

    public IReadOnlyList<Chunk> Chunks { get; }

    /// <summary>Whether some passage is limited to departments, so an asker's departments are worth looking up.</summary>
    public bool RestrictsDepartments { get; }

    /// <summary>The best passages the asker may read, best first.</summary>
    public IReadOnlyList<(Chunk Chunk, float Score)> Search(string query, int top, Func<Chunk, bool> allowed)
    {
        var terms = KeyTerms.Tokens(_analyzer, query).Distinct(StringComparer.Ordinal).ToList();
        if (terms.Count == 0 || Chunks.Count == 0)
        {
            return [];
        }

        var boolean = new BooleanQuery();
        foreach (var term in terms.Take(BooleanQuery.MaxClauseCount / 2))
        {
            boolean.Add(new TermQuery(new Term("text", term)), Occur.SHOULD);
            boolean.Add(new TermQuery(new Term("path", term)) { Boost = PathBoost }, Occur.SHOULD);
        }

        var hits = new List<(Chunk, float)>();
        foreach (var hit in _searcher.Search(boolean, Math.Min(Chunks.Count, Math.Max(top * 10, 50))).ScoreDocs)
        {
            var chunk = Chunks[_searcher.Doc(hit.Doc).GetField("ordinal").GetInt32Value()!.Value];
            if (allowed(chunk))
            {
                hits.Add((chunk, hit.Score));
                if (hits.Count == top)
                {
                    break;
                }
            }
        }

        return hits;
    }

    public void Dispose()
    {
        _reader.Dispose();
        _directory.Dispose();
        _analyzer.Dispose();
    }
}
