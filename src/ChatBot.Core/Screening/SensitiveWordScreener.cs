using ChatBot.Core.AdminFiles;

namespace ChatBot.Core.Screening;

/// <summary>Finds and masks listed words in a text, against the list in force (hot-reloaded).</summary>
public sealed class SensitiveWordScreener(HotReloadedFile<SensitiveWordList> list)
{
    public SensitiveWordList List => list.Current;

    public IReadOnlyList<SensitiveHit> Find(string text)
    {
        var scanner = new WordScanner(List);
        scanner.Append(text);
        scanner.Complete();
        return scanner.Hits;
    }

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
        AppendMasked(builder, text, masked);
        return builder.ToString();
    }

    /// <summary>Appends <paramref name="text"/> with the characters flagged in <paramref name="masked"/> as <c>*</c>.</summary>
    internal static void AppendMasked(System.Text.StringBuilder builder, ReadOnlySpan<char> text, ReadOnlySpan<bool> masked)
    {
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
    }
}
