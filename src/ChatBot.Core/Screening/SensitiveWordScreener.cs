using ChatBot.Core.AdminFiles;

namespace ChatBot.Core.Screening;

/// <summary>Finds and masks listed words in a text, against the list in force (hot-reloaded).</summary>
public sealed class SensitiveWordScreener(HotReloadedFile<SensitiveWordList> list)
{
    public SensitiveWordList List => list.Current;

    public IReadOnlyList<SensitiveHit> Find(string text) => Find(List, NormalizedText.Of(text), out _);

    /// <summary>Each character of a hit becomes one <c>*</c> (a surrogate pair too); spaces stay, so the shape reads.</summary>
    public string Mask(string text, IReadOnlyList<SensitiveHit> hits)
    {
        if (hits.Count == 0)
        {
            return text;
        }

        var masked = new bool[text.Length];
        foreach (var hit in hits)
        {
            masked.AsSpan(hit.Start, hit.End - hit.Start).Fill(true);
        }

        var builder = new System.Text.StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            if (!masked[i] || char.IsWhiteSpace(text[i]))
            {
                builder.Append(text[i]);
                continue;
            }

            builder.Append('*');
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
        }

        return builder.ToString();
    }

    /// <param name="pending">Where, in the original text, a match that is not yet complete could start (text length if none).</param>
    internal static List<SensitiveHit> Find(SensitiveWordList list, NormalizedText text, out int pending)
    {
        var hits = new List<SensitiveHit>();
        var automaton = list.Automaton;
        var state = 0;
        pending = text.Original.Length;
        for (var i = 0; i < text.Length; i++)
        {
            state = automaton.Step(state, text.Chars[i]);
            foreach (var (pattern, length) in automaton.Matches(state))
            {
                var word = list.Words[pattern];
                var first = i - length + 1;
                if (word.WholeWord && (Attached(text, first - 1, first) || Attached(text, i, i + 1)))
                {
                    continue;
                }

                hits.Add(new SensitiveHit(text.OriginalStart[first], text.OriginalEnd[i], word.Category));
                if (word.WholeWord && i == text.Length - 1 && !WhitespaceAfter(text, i))
                {
                    // Not decided until the next character shows whether the word goes on ("ass" → "assistant").
                    pending = Math.Min(pending, text.OriginalStart[first]);
                }
            }
        }

        var depth = automaton.Depth(state);
        if (depth > 0)
        {
            pending = Math.Min(pending, text.OriginalStart[text.Length - depth]);
        }

        return hits;
    }

    /// <summary>
    /// Whether normalised characters <paramref name="left"/> and <paramref name="right"/> belong to one Latin word:
    /// both letters or digits with no whitespace between them in the original ("p.a.s.s" is one word, "you ass" two).
    /// </summary>
    private static bool Attached(NormalizedText text, int left, int right)
    {
        if (left < 0 || right >= text.Length || !char.IsAsciiLetterOrDigit(text.Chars[left]) || !char.IsAsciiLetterOrDigit(text.Chars[right]))
        {
            return false;
        }

        for (var k = text.OriginalEnd[left]; k < text.OriginalStart[right]; k++)
        {
            if (char.IsWhiteSpace(text.Original[k]))
            {
                return false;
            }
        }

        return true;
    }

    private static bool WhitespaceAfter(NormalizedText text, int last)
    {
        for (var k = text.OriginalEnd[last]; k < text.Original.Length; k++)
        {
            if (char.IsWhiteSpace(text.Original[k]))
            {
                return true;
            }
        }

        return false;
    }
}
