using System.Text.RegularExpressions;

namespace ChatBot.Knowledge.Documents;

/// <summary>
/// Recognises the numbering Chinese policies use for their own headings in plain lines (text, PDF, Word without
/// heading styles): 第N章 / 第N节 / 第N条, 一、 / （一）, and 1 / 1.1 / 1.1.1. A numbered line is a heading only when it
/// is short and is not a sentence: "（一）非本市户籍的正式员工，可申请入住。" is a clause, "（一）申请条件" a heading.
/// </summary>
public static partial class HeadingStyle
{
    private const int MaxHeadingChars = 30;

    /// <returns>The heading level, or null when the line is not a heading.</returns>
    public static int? LevelOf(string line)
    {
        var text = line.Trim();
        if (text.Length == 0 || text.Length > MaxHeadingChars || EndsLikeSentence(text))
        {
            return null;
        }

        if (Chapter().IsMatch(text))
        {
            return 1;
        }

        if (Section().IsMatch(text) || ChineseNumber().IsMatch(text))
        {
            return 2;
        }

        if (Article().IsMatch(text) || ParenthesisedNumber().IsMatch(text))
        {
            return 3;
        }

        if (Decimal().Match(text) is { Success: true } match)
        {
            // "1 着装要求" → 2, "1.1 …" → 3, "1.1.1 …" → 4: under a title, as markdown's ## would be.
            return 2 + match.Groups[1].Value.Count(c => c == '.');
        }

        return null;
    }

    private static bool EndsLikeSentence(string text) => text[^1] is '。' or '；' or ';' or '，' or ',' or '！' or '？';

    private const string Numeral = "[一二三四五六七八九十百零〇两0-9]+";

    [GeneratedRegex("^第" + Numeral + "章")]
    private static partial Regex Chapter();

    [GeneratedRegex("^第" + Numeral + "节")]
    private static partial Regex Section();

    [GeneratedRegex("^第" + Numeral + "条")]
    private static partial Regex Article();

    [GeneratedRegex("^[一二三四五六七八九十]+、")]
    private static partial Regex ChineseNumber();

    [GeneratedRegex("^[（(][一二三四五六七八九十]+[）)]")]
    private static partial Regex ParenthesisedNumber();

    // "1 着装要求", "2.3 报销流程" — a number, a space, then a word (not "10天" or "2026年").
    [GeneratedRegex(@"^(\d{1,2}(?:\.\d{1,2}){0,3})\.?[ \u3000]+\S")]
    private static partial Regex Decimal();
}
