using System.IO.Compression;
using System.Text;

namespace ChatBot.Knowledge.Search;

/// <summary>
/// CC-CEDICT (CC BY-SA 4.0), as <c>scripts/lexicon</c> writes it: each simplified headword's toneless readings and
/// its English glosses. Policy search reads it for two things no glossary can list ahead for a company's own text:
/// the sound of every character, so a pinyin-input typo (公基金) still finds 公积金; and what a word means in English,
/// so an English question, or an everyday word the policy never uses (本本), reaches the policy's own terms. It also
/// marks the words it only has as proper nouns (a city a policy states by class). A file written before that mark
/// reads as having no names. Read once per process; missing, search works on characters and the glossary alone (start-up says so).
/// </summary>
public sealed class Lexicon
{
    private readonly Dictionary<char, string[]> _readings;
    private readonly Dictionary<string, string> _glosses;
    private readonly Dictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> _lookup;
    private readonly HashSet<string> _names;
    private readonly Dictionary<char, char> _simplified;

    // How many times the dictionary's English writes each word, counted when first asked (IsEnglish); a word written
    // this often is English.
    private readonly Lazy<Dictionary<string, int>> _englishUses;
    private const int EnglishUses = 5;

    private Lexicon(Dictionary<char, string[]> readings, Dictionary<string, string> glosses, HashSet<string> names, Dictionary<char, char> simplified, int longest,
        Thesaurus? thesaurus = null)
    {
        Thesaurus = thesaurus ?? Thesaurus.Empty;
        _readings = readings;
        _names = names;
        _simplified = simplified;
        _glosses = glosses;
        _lookup = glosses.GetAlternateLookup<ReadOnlySpan<char>>();
        _englishUses = new(() => CountEnglish(glosses.Values));
        Longest = longest;
    }

    public static Lexicon Empty { get; } = new([], [], [], [], 0);

    /// <summary>Where <c>scripts/lexicon</c> puts it, relative to the working directory.</summary>
    public const string DefaultFile = "data/cc-cedict.tsv.gz";

    public int Count => _glosses.Count;

    /// <summary>Chinese synonym groups beside the dictionary (<see cref="Search.Thesaurus"/>); empty when none was loaded.</summary>
    public Thesaurus Thesaurus { get; }

    /// <summary>This dictionary with a thesaurus beside it.</summary>
    public Lexicon With(Thesaurus thesaurus) => new(_readings, _glosses, _names, _simplified, Longest, thesaurus);

    /// <summary>The longest headword, in characters: how far a scan for words looks ahead.</summary>
    public int Longest { get; }

    public static Lexicon Load(string path)
    {
        using var file = File.OpenRead(path);
        using Stream stream = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? new GZipStream(file, CompressionMode.Decompress) : file;
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var readings = new Dictionary<char, string[]>();
        var glosses = new Dictionary<string, string>(StringComparer.Ordinal);
        var names = new HashSet<string>(StringComparer.Ordinal);
        var simplified = new Dictionary<char, char>();
        var longest = 0;
        while (reader.ReadLine() is { } line)
        {
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            if (line[0] == '=')
            {
                // "=繁<TAB>简": the simplified character a traditional one is written as.
                if (line.Length != 4 || line[2] != '\t')
                {
                    throw new InvalidDataException($"{path}: expected '=traditional<TAB>simplified'; got '{line}'. Run scripts/lexicon again.");
                }

                simplified[line[1]] = line[3];
                continue;
            }

            var tab = line.IndexOf('\t', StringComparison.Ordinal);
            var tab2 = tab < 0 ? -1 : line.IndexOf('\t', tab + 1);
            if (tab2 < 0)
            {
                throw new InvalidDataException($"{path}: expected 'word<TAB>pinyin<TAB>glosses'; got '{line}'. Run scripts/lexicon again.");
            }

            var word = line[..tab];
            if (word.Length == 1)
            {
                readings[word[0]] = line[(tab + 1)..tab2].Split('|');
            }

            var tab3 = line.IndexOf('\t', tab2 + 1);
            if (tab3 > 0 && line.AsSpan(tab3 + 1).SequenceEqual("name"))
            {
                names.Add(word);
            }

            if (tab2 + 1 < (tab3 < 0 ? line.Length : tab3))
            {
                glosses[word] = tab3 < 0 ? line[(tab2 + 1)..] : line[(tab2 + 1)..tab3];
                longest = Math.Max(longest, word.Length);
            }
        }

        return new Lexicon(readings, glosses, names, simplified, longest);
    }

    /// <summary>The toneless readings of a character ("ji", "hang|xing"); none for a character it does not know.</summary>
    public IReadOnlyList<string> Readings(char c) => _readings.TryGetValue(c, out var r) ? r : [];

    /// <summary>The word's English glosses, '/'-separated, or null when it is not a headword.</summary>
    public string? Glosses(ReadOnlySpan<char> word) => _lookup.TryGetValue(word, out var g) ? g : null;

    public bool Contains(ReadOnlySpan<char> word) => _lookup.ContainsKey(word);

    /// <summary>
    /// The text with traditional characters written as simplified ones (請假 → 请假), so a question typed either way
    /// meets documents written either way; the same instance when there is nothing to change. Character by character,
    /// and only characters that are never simplified themselves, so simplified text is never altered.
    /// </summary>
    public string Simplify(string text)
    {
        if (_simplified.Count == 0)
        {
            return text;
        }

        var first = 0;
        while (first < text.Length && !_simplified.ContainsKey(text[first]))
        {
            first++;
        }

        if (first == text.Length)
        {
            return text;
        }

        return string.Create(text.Length, (text, first, _simplified), static (span, state) =>
        {
            state.text.AsSpan().CopyTo(span);
            for (var i = state.first; i < span.Length; i++)
            {
                if (state._simplified.TryGetValue(span[i], out var s))
                {
                    span[i] = s;
                }
            }
        });
    }

    /// <summary>
    /// Whether the dictionary's English writes the word often enough for it to be English (women, change), not a
    /// Chinese word spelt in pinyin (fapiao, shebao; "hukou" is in three glosses). Counted once, when first asked.
    /// </summary>
    public bool IsEnglish(string word) => _englishUses.Value.GetValueOrDefault(word.ToLowerInvariant()) >= EnglishUses;

    private static Dictionary<string, int> CountEnglish(IEnumerable<string> glosses)
    {
        var uses = new Dictionary<string, int>(StringComparer.Ordinal);
        var lookup = uses.GetAlternateLookup<ReadOnlySpan<char>>();
        Span<char> lower = stackalloc char[64];
        foreach (var gloss in glosses)
        {
            var start = -1;
            for (var i = 0; i <= gloss.Length; i++)
            {
                if (i < gloss.Length && char.IsAsciiLetter(gloss[i]))
                {
                    start = start < 0 ? i : start;
                    continue;
                }

                if (start >= 0 && i - start <= lower.Length)
                {
                    var word = lower[..(i - start)];
                    gloss.AsSpan(start, i - start).ToLowerInvariant(word);
                    lookup[word] = lookup.TryGetValue(word, out var n) ? n + 1 : 1;
                }

                start = -1;
            }
        }

        return uses;
    }

    /// <summary>Whether the dictionary only ever has the word as a proper noun (宁波, 新加坡, 春节): its pinyin is capitalised.</summary>
    public bool IsName(string word) => _names.Contains(word);
}
