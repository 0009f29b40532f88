using System.Text.RegularExpressions;

namespace ChatBot.Knowledge.Search;

/// <summary>
/// Meaning across wordings, through the dictionary's English: the words the company's documents actually contain,
/// each with its senses as English stems, so that an English question ("paternity leave") or an everyday word the
/// policy never uses (本本: "laptop") reaches the policy's own term (陪产假, 笔记本电脑). Built with the index from the
/// documents alone — only words that occur in them can be brought in — and weighted by how rare each English stem is
/// among those senses, so "leave" alone does not pull in every kind of leave.
/// </summary>
public sealed partial class GlossBridge
{
    /// <summary>How much of a sense must be matched, by weight, for its word to be brought in.</summary>
    public const double MinScore = 0.5;

    private const int MaxSenseStems = 4;

    /// <summary>The pinyin spellings kept for one word whose characters have several readings.</summary>
    private const int MaxSpellings = 8;
    private readonly List<string> _terms = [];
    private readonly List<(int Term, string[] Stems, double Weight)> _senses = [];
    private readonly Dictionary<string, List<int>> _sensesByStem = new(StringComparer.Ordinal);
    private readonly Dictionary<string, double> _idf = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<string>> _byReading = new(StringComparer.Ordinal);
    private readonly Lexicon _lexicon;

    public GlossBridge(Lexicon lexicon, IEnumerable<string> texts)
    {
        _lexicon = lexicon;
        if (lexicon.Count == 0)
        {
            return;
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var text in texts)
        {
            foreach (var word in Words(lexicon, text))
            {
                if (seen.Add(word))
                {
                    AddTerm(word);
                    AddReadings(word);
                }
            }
        }

        var df = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (_, stems, _) in _senses)
        {
            foreach (var stem in stems)
            {
                df[stem] = df.GetValueOrDefault(stem) + 1;
            }
        }

        foreach (var (stem, count) in df)
        {
            _idf[stem] = Math.Log(1 + (_senses.Count / (double)count));
        }

        for (var i = 0; i < _senses.Count; i++)
        {
            _senses[i] = _senses[i] with { Weight = _senses[i].Stems.Sum(Idf) };
        }
    }

    /// <summary>
    /// Document words whose sense the English stems express (most of the sense's weight present among them), with how
    /// much, and which of the stems did it.
    /// </summary>
    public List<(string Term, double Score, string[] By)> FromEnglish(IReadOnlyCollection<string> stems)
    {
        var found = new Dictionary<string, (double Score, string[] By)>(StringComparer.Ordinal);
        var query = stems as ISet<string> ?? new HashSet<string>(stems, StringComparer.Ordinal);
        foreach (var sense in Candidates(query))
        {
            var (term, senseStems, weight) = _senses[sense];
            var by = senseStems.Where(query.Contains).ToArray();
            var score = by.Sum(Idf) / weight;
            if (score >= MinScore && (!found.TryGetValue(_terms[term], out var old) || old.Score < score))
            {
                found[_terms[term]] = (score, by);
            }
        }

        return found.Select(f => (f.Key, f.Value.Score, f.Value.By)).OrderByDescending(f => f.Score).ToList();
    }

    /// <summary>
    /// Document words that mean what a word of the question means (a shared sense, by weight, both ways), for a word
    /// the documents do not contain: 本本 ("laptop") → 笔记本电脑 ("laptop; notebook computer").
    /// </summary>
    public List<(string Term, double Score)> FromChinese(string word)
    {
        var found = new Dictionary<string, double>(StringComparer.Ordinal);
        if (_lexicon.Glosses(word) is not { } glosses)
        {
            return [];
        }

        foreach (var sense in Senses(glosses))
        {
            var query = new HashSet<string>(sense, StringComparer.Ordinal);
            var queryWeight = query.Sum(Idf);
            foreach (var candidate in Candidates(query))
            {
                var (term, senseStems, weight) = _senses[candidate];
                var shared = senseStems.Where(query.Contains).Sum(Idf);
                var score = shared / Math.Max(weight, queryWeight);
                if (score >= MinScore && _terms[term] != word && found.GetValueOrDefault(_terms[term]) < score)
                {
                    found[_terms[term]] = score;
                }
            }
        }

        return found.Select(f => (f.Key, f.Value)).OrderByDescending(f => f.Item2).ToList();
    }

    /// <summary>
    /// Document words a Latin word spells in toneless pinyin ("fapiao" 发票, "hukou" 户口, "shebao" 社保): foreign staff
    /// write the Chinese HR terms they hear that way. Asked only of a word the dictionary's English does not know.
    /// </summary>
    public IReadOnlyList<string> FromPinyin(string word) =>
        word.Length >= 4 && _byReading.TryGetValue(word.ToLowerInvariant(), out var words) && !_lexicon.IsEnglish(word) ? words : [];

    /// <summary>
    /// Document words that sound as a word the documents do not write (婚家 → 婚假, 公基金 → 公积金): the word a pinyin
    /// keyboard meant. Found by the word, not only by the sound bigrams BM25 weighs below characters, so a homophone
    /// typo beside common words (婚家能休几天 可以分开休吗) still brings its section in.
    /// </summary>
    public IReadOnlyList<string> FromSound(string word) =>
        Spellings(word).SelectMany(s => _byReading.TryGetValue(s, out var words) ? words : []).Where(w => w != word).Distinct().ToList();

    // Each reading of a Chinese word of two or more characters, its syllables run together ("fapiao"); a polyphonic
    // character gives each of its readings, a few at most.
    private List<string> Spellings(string word)
    {
        if (word.Length < 2 || !word.All(Han))
        {
            return [];
        }

        List<string> spellings = [""];
        foreach (var c in word)
        {
            var readings = _lexicon.Readings(c);
            if (readings.Count == 0)
            {
                return [];
            }

            spellings = [.. spellings.SelectMany(s => readings.Select(r => s + r)).Take(MaxSpellings)];
        }

        return spellings;
    }

    private void AddReadings(string word)
    {
        foreach (var spelling in Spellings(word))
        {
            if (!_byReading.TryGetValue(spelling, out var words))
            {
                _byReading[spelling] = words = [];
            }

            words.Add(word);
        }
    }

    private IEnumerable<int> Candidates(IEnumerable<string> stems) =>
        stems.SelectMany(s => _sensesByStem.TryGetValue(s, out var list) ? list : []).Distinct();

    // A stem the documents' senses never use is as rare as can be.
    private double Idf(string stem) => _idf.TryGetValue(stem, out var w) ? w : Math.Log(1 + _senses.Count);

    private void AddTerm(string word)
    {
        var index = _terms.Count;
        _terms.Add(word);
        foreach (var stems in Senses(_lexicon.Glosses(word)!))
        {
            var sense = _senses.Count;
            _senses.Add((index, stems, 0));
            foreach (var stem in stems)
            {
                if (!_sensesByStem.TryGetValue(stem, out var list))
                {
                    _sensesByStem[stem] = list = [];
                }

                list.Add(sense);
            }
        }
    }

    /// <summary>
    /// Each sense ("to clock on (or off)") as its content stems; parentheses are notes, long senses are definitions, not
    /// names — except what a long one names before its first comma ("Ningbo, sub-provincial city in …": Ningbo), so an
    /// English question that names a place or thing the dictionary defines at length still reaches it.
    /// </summary>
    public static IEnumerable<string[]> Senses(string glosses)
    {
        foreach (var gloss in glosses.Split('/'))
        {
            foreach (var sense in gloss.Split(';'))
            {
                var stems = EnglishWords.Stems(Notes().Replace(sense, " "));
                if (stems.Count is > 0 and <= MaxSenseStems)
                {
                    yield return [.. stems];
                }
                else if (sense.IndexOf(',', StringComparison.Ordinal) is > 0 and var comma
                    && EnglishWords.Stems(Notes().Replace(sense[..comma], " ")) is { Count: > 0 and <= 2 } head)
                {
                    // "Ningbo, sub-provincial city in Zhejiang Province": what comes before the comma names it.
                    yield return [.. head];
                }
            }
        }
    }

    /// <summary>
    /// The dictionary's words in a text, longest first at each position (two characters at least): Chinese, or Latin
    /// letters with Chinese as the dictionary writes them (U盘, T恤, 卡拉OK), a Latin run taken from its start only.
    /// </summary>
    public static IEnumerable<string> Words(Lexicon lexicon, string text) => Words(text, Math.Min(lexicon.Longest, 8), lexicon.Contains);

    /// <summary>The words of a vocabulary in a text, scanned as <see cref="Words(Lexicon, string)"/> does.</summary>
    internal static IEnumerable<string> Words(string text, int longest, Func<ReadOnlySpan<char>, bool> contains)
    {
        for (var start = 0; start < text.Length; start++)
        {
            if (!(Han(text[start]) || (char.IsAsciiLetter(text[start]) && (start == 0 || !char.IsAsciiLetter(text[start - 1])))))
            {
                continue;
            }

            var end = start;
            while (end < text.Length && end - start < longest && (Han(text[end]) || char.IsAsciiLetter(text[end])))
            {
                end++;
            }

            for (var length = end - start; length >= 2; length--)
            {
                if (contains(text.AsSpan(start, length)))
                {
                    yield return text.Substring(start, length);
                }
            }
        }
    }

    internal static bool Han(char c) => c is >= '\u4e00' and <= '\u9fff' or >= '\u3400' and <= '\u4dbf';

    [GeneratedRegex(@"\([^)]*\)|\[[^\]]*\]|[\u3400-\u9fff|]+")]
    private static partial Regex Notes();
}
