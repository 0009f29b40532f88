using Lucene.Net.Analysis;
using Lucene.Net.Analysis.Cjk;
using Lucene.Net.Analysis.Core;
using Lucene.Net.Analysis.Miscellaneous;
using Lucene.Net.Documents;
using Lucene.Net.Index;
using Lucene.Net.Search;
using Lucene.Net.Search.Similarities;
using Lucene.Net.Store;
using Lucene.Net.Util;
using System.Text;

namespace ChatBot.Knowledge.Search;

/// <summary>
/// BM25 over the passages in memory. Chinese is indexed as overlapping character bigrams (CJKAnalyzer): they need no
/// dictionary to miss a company's own terms (product, place and benefit names a dictionary splits wrongly). The
/// heading path is its own field, weighted above the text, so a question naming a section finds it. Beside them, the
/// passage as it sounds (<see cref="Sounds"/>), weighted below the characters, for homophone typos; and the
/// documents' own words with their English senses (<see cref="GlossBridge"/>). Immutable once built: a rebuild
/// makes a new index and swaps it in.
/// </summary>
public sealed class KnowledgeIndex : IDisposable
{
    private const float PathBoost = 1.5f;

    /// <summary>
    /// A sound pair scores below a character pair: with the text and path fields an exact match gets both, a homophone
    /// only this. Measured on both public sets (knowledge eval): 0.3–0.6 rank alike, 1.0 lets sound outrank meaning.
    /// </summary>
    public const float SoundBoost = 0.4f;

    private readonly RAMDirectory _directory = new();
    private readonly DirectoryReader _reader;
    private readonly IndexSearcher _searcher;
    private readonly Analyzer _analyzer;
    private readonly Analyzer _bigrams;
    private readonly IReadOnlySet<string>[] _sounds;
    private readonly HashSet<string> _allSounds = new(StringComparer.Ordinal);
    private readonly string _corpus;
    private readonly string[] _searchTexts;
    private readonly HashSet<string> _thesaurusWords;
    private readonly Dictionary<Chunk, int> _ordinals = new(ReferenceEqualityComparer.Instance);

    /// <param name="analyzer">Another analyzer for the characters (the bench's peers); CJK bigrams by default.</param>
    /// <param name="vectors">Each passage's unit-length embedding, in order, when an embedding model is configured.</param>
    public KnowledgeIndex(IReadOnlyList<Chunk> chunks, Lexicon? lexicon = null, Analyzer? analyzer = null, IReadOnlyList<float[]>? vectors = null)
    {
        Chunks = chunks;
        Vectors = vectors is { } v && v.Count == chunks.Count ? v : null;
        Lexicon = lexicon ?? Lexicon.Empty;
        RestrictsDepartments = chunks.Any(c => c.Access.RestrictsDepartments);
        _bigrams = analyzer ?? new CJKAnalyzer(LuceneVersion.LUCENE_48);
        _analyzer = new PerFieldAnalyzerWrapper(_bigrams, new Dictionary<string, Analyzer> { ["sound"] = new WhitespaceAnalyzer(LuceneVersion.LUCENE_48) });
        _sounds = new IReadOnlySet<string>[chunks.Count];
        // Searched in one form whichever the documents are written in (SearchForm); quoted as written.
        _searchTexts = chunks.Select(c => SearchForm(c.SearchText)).ToArray();
        var config = new IndexWriterConfig(LuceneVersion.LUCENE_48, _analyzer) { Similarity = new BM25Similarity() };
        using (var writer = new IndexWriter(_directory, config))
        {
            for (var i = 0; i < chunks.Count; i++)
            {
                var sounds = Sounds.Bigrams(Lexicon, _searchTexts[i]).ToList();
                _sounds[i] = sounds.ToHashSet(StringComparer.Ordinal);
                _allSounds.UnionWith(sounds);
                _ordinals[chunks[i]] = i;
                writer.AddDocument(
                [
                    new StoredField("ordinal", i),
                    new TextField("path", SearchForm(chunks[i].Section), Field.Store.NO),
                    new TextField("text", SearchForm(chunks[i].Text), Field.Store.NO),
                    new TextField("sound", string.Join(' ', sounds), Field.Store.NO),
                ]);
            }

            writer.Commit();
        }

        _reader = DirectoryReader.Open(_directory);
        _searcher = new IndexSearcher(_reader) { Similarity = new BM25Similarity() };
        _corpus = string.Join("\n", _searchTexts);
        Bridge = new GlossBridge(Lexicon, _searchTexts);
        _thesaurusWords = Lexicon.Thesaurus.WordsIn(_searchTexts);
    }

    public IReadOnlyList<Chunk> Chunks { get; }

    /// <summary>The passages' embeddings (<c>Knowledge:EmbeddingModelPath</c>), or null: dense retrieval is off.</summary>
    public IReadOnlyList<float[]>? Vectors { get; }

    /// <summary>The passages nearest a question's embedding (cosine of unit vectors), best first, that the asker may read.</summary>
    public List<Chunk> Nearest(float[] question, int top, Func<Chunk, bool> allowed)
    {
        if (Vectors is null)
        {
            return [];
        }

        return Enumerable.Range(0, Chunks.Count)
            .Where(i => allowed(Chunks[i]))
            .Select(i => (Index: i, Cosine: System.Numerics.Tensors.TensorPrimitives.Dot<float>(Vectors[i], question)))
            .OrderByDescending(x => x.Cosine)
            .Take(top)
            .Select(x => Chunks[x.Index])
            .ToList();
    }

    public Lexicon Lexicon { get; }

    /// <summary>The documents' words with their English senses.</summary>
    public GlossBridge Bridge { get; }

    /// <summary>Whether some passage is limited to departments, so an asker's departments are worth looking up.</summary>
    public bool RestrictsDepartments { get; }

    /// <summary>The passage's heading path and text as searched (<see cref="SearchForm"/>).</summary>
    public string SearchTextOf(Chunk chunk) => _searchTexts[Ordinal(chunk)];

    /// <summary>
    /// The one form documents and questions are searched in, whatever they were typed in: full-width letters and digits
    /// as ASCII (Ｐ５ is P5, １５天 is 15天; Unicode compatibility form), traditional characters as simplified
    /// (<see cref="Lexicon.Simplify"/>: 請假 is 请假). Quotes are still taken from the text as written.
    /// </summary>
    public string SearchForm(string text) => Lexicon.Simplify(text.IsNormalized(NormalizationForm.FormKC) ? text : text.Normalize(NormalizationForm.FormKC));

    /// <summary>Whether any passage or heading contains the text (a Chinese word, or a Latin one ignoring case).</summary>
    public bool Occurs(string text) => Glossary.Contains(_corpus, text);

    /// <summary>The words the thesaurus groups with this one that the documents write (<see cref="Thesaurus.WordsIn"/>).</summary>
    public IEnumerable<string> WrittenSynonyms(string word) => Lexicon.Thesaurus.Synonyms(word).Where(_thesaurusWords.Contains);

    /// <summary>Whether a word sounds like words of the passage (<see cref="Sounds.SoundsIn"/>).</summary>
    public bool SoundsIn(string word, Chunk chunk) => Sounds.SoundsIn(Lexicon, word, _sounds[Ordinal(chunk)]);

    /// <summary>Whether a word sounds like words somewhere in the documents.</summary>
    public bool SoundsAnywhere(string word) => Sounds.SoundsIn(Lexicon, word, _allSounds);

    private int Ordinal(Chunk chunk) =>
        _ordinals.TryGetValue(chunk, out var i) ? i : throw new ArgumentException("The passage is not in this index.", nameof(chunk));

    /// <summary>
    /// The best passages the asker may read, best first: each piece of query text weighted as given (the question at
    /// 1, what the glossary and the bridge bring by their weight), and the question's sound pairs below them.
    /// </summary>
    public IReadOnlyList<(Chunk Chunk, float Score)> Search(IReadOnlyList<(string Text, float Weight)> pieces, string? soundsOf, int top, Func<Chunk, bool> allowed)
    {
        var weights = new Dictionary<string, float>(StringComparer.Ordinal);
        foreach (var (text, weight) in pieces)
        {
            foreach (var term in KeyTerms.Tokens(_bigrams, text))
            {
                weights[term] = Math.Max(weights.GetValueOrDefault(term), weight);
            }
        }

        var sounds = soundsOf is null ? [] : Sounds.Bigrams(Lexicon, soundsOf).Distinct(StringComparer.Ordinal).ToList();
        if ((weights.Count == 0 && sounds.Count == 0) || Chunks.Count == 0)
        {
            return [];
        }

        var boolean = new BooleanQuery();
        foreach (var (term, weight) in weights.Take((BooleanQuery.MaxClauseCount / 2) - sounds.Count))
        {
            boolean.Add(new TermQuery(new Term("text", term)) { Boost = weight }, Occur.SHOULD);
            boolean.Add(new TermQuery(new Term("path", term)) { Boost = PathBoost * weight }, Occur.SHOULD);
        }

        foreach (var sound in sounds.Take(BooleanQuery.MaxClauseCount / 4))
        {
            boolean.Add(new TermQuery(new Term("sound", sound)) { Boost = SoundBoost }, Occur.SHOULD);
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
        _bigrams.Dispose();
    }
}
