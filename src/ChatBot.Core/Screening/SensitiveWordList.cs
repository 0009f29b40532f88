using ChatBot.Core.AdminFiles;

namespace ChatBot.Core.Screening;

/// <summary>
/// <c>config/sensitive-words.txt</c>: one entry per line, <c>#</c> comments, an optional category after <c>|</c>
/// (<c>赌博 | gambling</c>). Entries are normalised like the text they are looked for in.
/// </summary>
public sealed class SensitiveWordList
{
    private SensitiveWordList(IReadOnlyList<SensitiveWord> words)
    {
        Words = words;
        Automaton = new AhoCorasick([.. words.Select(w => w.Normalized)]);
    }

    public IReadOnlyList<SensitiveWord> Words { get; }

    internal AhoCorasick Automaton { get; }

    public static SensitiveWordList Parse(string text, string source)
    {
        var words = new List<SensitiveWord>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var lineNumber = 0;
        foreach (var raw in text.Split('\n'))
        {
            lineNumber++;
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            var bar = line.IndexOf('|', StringComparison.Ordinal);
            var word = (bar < 0 ? line : line[..bar]).Trim();
            var category = bar < 0 ? "default" : line[(bar + 1)..].Trim();
            if (category.Length == 0 || category.Any(c => !char.IsAsciiLetterOrDigit(c) && c is not '-' and not '_'))
            {
                throw new AdminFileException($"{source} line {lineNumber}: the category after '|' must be letters, digits, '-' or '_'; got '{category}'.");
            }

            var normalized = NormalizedText.Of(word).ToString();
            if (normalized.Length == 0)
            {
                throw new AdminFileException($"{source} line {lineNumber}: the entry has no letters or digits left after normalisation.");
            }

            if (seen.Add(normalized))
            {
                // Latin words only match as whole words ("ass" is not in "class"); CJK has no word boundaries.
                var wholeWord = normalized.All(char.IsAsciiLetterOrDigit);
                words.Add(new SensitiveWord(word, normalized, category, wholeWord));
            }
        }

        return new SensitiveWordList(words);
    }
}

public sealed record SensitiveWord(string Entry, string Normalized, string Category, bool WholeWord);

/// <summary>A listed word found in a text: the span of the original text, and its category.</summary>
public readonly record struct SensitiveHit(int Start, int End, string Category);
