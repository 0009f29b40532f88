using System.Globalization;
using System.Text;

namespace ChatBot.Core.Screening;

/// <summary>
/// Text as the screener sees it: NFKC (full-width → half-width), case-folded, with whitespace, punctuation,
/// symbols and zero-width characters dropped — and, for every character kept, the span of the original text it
/// came from, so a match maps back to what the user actually wrote.
/// </summary>
public sealed class NormalizedText
{
    private NormalizedText(string text, char[] chars, int[] starts, int[] ends)
    {
        Original = text;
        Chars = chars;
        OriginalStart = starts;
        OriginalEnd = ends;
    }

    public string Original { get; }

    public char[] Chars { get; }

    public int[] OriginalStart { get; }

    public int[] OriginalEnd { get; }

    public int Length => Chars.Length;

    public static NormalizedText Of(string text)
    {
        var chars = new List<char>(text.Length);
        var starts = new List<int>(text.Length);
        var ends = new List<int>(text.Length);
        Span<char> one = stackalloc char[2];
        for (var i = 0; i < text.Length;)
        {
            var width = char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]) ? 2 : 1;
            var element = text.AsSpan(i, width);
            if (!Ignorable(element))
            {
                if (IsOwnNfkcForm(element))
                {
                    chars.Add(char.ToLowerInvariant(element[0]));
                    starts.Add(i);
                    ends.Add(i + 1);
                    i++;
                    continue;
                }

                var normalized = element.ToString().Normalize(NormalizationForm.FormKC);
                foreach (var c in normalized)
                {
                    if (Ignorable(new ReadOnlySpan<char>(in c)))
                    {
                        continue;
                    }

                    chars.Add(char.ToLowerInvariant(c));
                    starts.Add(i);
                    ends.Add(i + width);
                }
            }

            i += width;
        }

        return new NormalizedText(text, [.. chars], [.. starts], [.. ends]);
    }

    // ASCII and the CJK Unified Ideographs are their own NFKC form: no Normalize call (and no allocation) for them.
    private static bool IsOwnNfkcForm(ReadOnlySpan<char> element) => element.Length == 1 && (element[0] < 0x80 || element[0] is >= '\u4E00' and <= '\u9FFF');

    private static bool Ignorable(ReadOnlySpan<char> element)
    {
        if (element.Length == 2)
        {
            return false;
        }

        var c = element[0];
        if (c is '\u200B' or '\u200C' or '\u200D' or '\u2060' or '\uFEFF' or '\u00AD')
        {
            return true;
        }

        return CharUnicodeInfo.GetUnicodeCategory(c) switch
        {
            UnicodeCategory.SpaceSeparator or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator or UnicodeCategory.Control
                or UnicodeCategory.Format or UnicodeCategory.ConnectorPunctuation or UnicodeCategory.DashPunctuation
                or UnicodeCategory.OpenPunctuation or UnicodeCategory.ClosePunctuation or UnicodeCategory.InitialQuotePunctuation
                or UnicodeCategory.FinalQuotePunctuation or UnicodeCategory.OtherPunctuation or UnicodeCategory.MathSymbol
                or UnicodeCategory.CurrencySymbol or UnicodeCategory.ModifierSymbol or UnicodeCategory.OtherSymbol
                or UnicodeCategory.NonSpacingMark or UnicodeCategory.EnclosingMark => true,
            _ => false,
        };
    }
}
