using System.Globalization;
using System.Text;

namespace ChatBot.Core.Screening;

/// <summary>
/// Text as the screener sees it: NFKC (full-width → half-width), case-folded, with whitespace, punctuation,
/// symbols and zero-width characters dropped — and, for every character kept, the span of the original text it
/// came from, so a match maps back to what the user actually wrote. Append-only, so a streamed answer is
/// normalised once, piece by piece; each text element is normalised on its own, so pieces compose exactly.
/// </summary>
public sealed class NormalizedText
{
    private readonly List<char> _original = [];
    private readonly List<char> _chars = [];
    private readonly List<int> _starts = [];
    private readonly List<int> _ends = [];

    public int Length => _chars.Count;

    public int OriginalLength => _original.Count;

    /// <summary>Original characters up to here are normalised; past it waits a high surrogate for its pair.</summary>
    public int NormalizedUpTo { get; private set; }

    /// <summary>The normalised character at <paramref name="index"/>.</summary>
    public char this[int index] => _chars[index];

    public ReadOnlySpan<char> Original => System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_original);

    /// <summary>Where in the original text normalised character <paramref name="index"/> starts.</summary>
    public int OriginalStart(int index) => _starts[index];

    /// <summary>Where in the original text normalised character <paramref name="index"/> ends (exclusive).</summary>
    public int OriginalEnd(int index) => _ends[index];

    public static NormalizedText Of(string text)
    {
        var normalized = new NormalizedText();
        normalized.Append(text);
        normalized.Complete();
        return normalized;
    }

    /// <summary>Adds text; a high surrogate at its very end waits for the next piece.</summary>
    public void Append(ReadOnlySpan<char> text)
    {
        _original.AddRange(text);
        Normalize(final: false);
    }

    /// <summary>No more text: a lone high surrogate at the end is taken as it is.</summary>
    public void Complete() => Normalize(final: true);

    public override string ToString() => new(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_chars));

    private void Normalize(bool final)
    {
        var text = Original;
        var i = NormalizedUpTo;
        while (i < text.Length)
        {
            var high = char.IsHighSurrogate(text[i]);
            if (high && i + 1 == text.Length && !final)
            {
                break;
            }

            var width = high && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]) ? 2 : 1;
            var element = text.Slice(i, width);
            if (!Ignorable(element))
            {
                if (IsOwnNfkcForm(element))
                {
                    Add(char.ToLowerInvariant(element[0]), i, i + 1);
                    i++;
                    continue;
                }

                foreach (var c in element.ToString().Normalize(NormalizationForm.FormKC))
                {
                    if (!Ignorable(new ReadOnlySpan<char>(in c)))
                    {
                        Add(char.ToLowerInvariant(c), i, i + width);
                    }
                }
            }

            i += width;
        }

        NormalizedUpTo = i;
    }

    private void Add(char c, int start, int end)
    {
        _chars.Add(c);
        _starts.Add(start);
        _ends.Add(end);
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
