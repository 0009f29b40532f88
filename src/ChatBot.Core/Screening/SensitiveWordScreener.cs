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
                var start = text.OriginalStart[i - length + 1];
                var end = text.OriginalEnd[i];
                if (!word.WholeWord || (!LetterOrDigitAt(text.Original, start - 1) && !LetterOrDigitAt(text.Original, end)))
                {
                    hits.Add(new SensitiveHit(start, end, word.Category));
                }
            }
        }

        var depth = automaton.Depth(state);
        if (depth > 0)
        {
            pending = text.OriginalStart[text.Length - depth];
        }

        // A whole-word match at the very end is not decided until the next character shows whether the word goes on.
        foreach (var hit in hits)
        {
            if (hit.End == text.Original.Length && LatinAt(text.Original, hit.End - 1))
            {
                pending = Math.Min(pending, hit.Start);
            }
        }

        return hits;
    }

    private static bool LetterOrDigitAt(string text, int index) => index >= 0 && index < text.Length && char.IsAsciiLetterOrDigit(text[index]);

    private static bool LatinAt(string text, int index) => LetterOrDigitAt(text, index);
}
