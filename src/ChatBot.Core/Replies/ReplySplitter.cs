using System.Text;
using System.Text.RegularExpressions;

namespace ChatBot.Core.Replies;

/// <summary>
/// Splits an answer byte-exactly (UTF-8) to an API's limit: at paragraph, then sentence, then word boundaries;
/// never inside a multi-byte character, a Markdown link or (unless it alone is too long, in which case the
/// fence is closed and reopened) a code block; parts are numbered "(1/3)".
/// </summary>
public static partial class ReplySplitter
{
    private const int NumberingReserve = 16;

    public static IReadOnlyList<string> Split(string text, int maxBytes)
    {
        if (Encoding.UTF8.GetByteCount(text) <= maxBytes)
        {
            return [text];
        }

        var budget = maxBytes - NumberingReserve;
        var parts = Pack(Pieces(text, budget), budget);
        return [.. parts.Select((p, i) => $"({i + 1}/{parts.Count})\n{p}")];
    }

    /// <summary>The first part only, unnumbered, cut at the best boundary within the limit: for one-shot channels.</summary>
    public static string Head(string text, int maxBytes) =>
        Encoding.UTF8.GetByteCount(text) <= maxBytes ? text : Pack(Pieces(text, maxBytes), maxBytes)[0];

    /// <summary>A piece of text and how good a place to cut the end of it is: 3 paragraph, 2 sentence, 1 word, 0 none.</summary>
    private readonly record struct Piece(string Text, int Bytes, int Break);

    private static List<string> Pack(List<Piece> pieces, int budget)
    {
        var parts = new List<string>();
        var start = 0;
        while (start < pieces.Count)
        {
            // Take as many pieces as fit, then cut after the best break among them (latest of the strongest).
            var bytes = 0;
            var end = start;
            while (end < pieces.Count && bytes + pieces[end].Bytes <= budget)
            {
                bytes += pieces[end++].Bytes;
            }

            var cut = end;
            if (end < pieces.Count)
            {
                var best = -1;
                for (var i = end - 1; i >= start; i--)
                {
                    if (pieces[i].Break > (best < 0 ? -1 : pieces[best].Break))
                    {
                        best = i;
                    }
                }

                cut = best >= start ? best + 1 : end;
            }

            parts.Add(string.Concat(pieces.Skip(start).Take(cut - start).Select(p => p.Text)).Trim('\n', ' '));
            start = cut;
        }

        return [.. parts.Where(p => p.Length > 0)];
    }

    private static List<Piece> Pieces(string text, int budget)
    {
        var pieces = new List<Piece>();
        var position = 0;
        foreach (Match fence in CodeBlock().Matches(text))
        {
            ProseTo(pieces, text[position..fence.Index], budget);
            CodeTo(pieces, fence.Value, budget);
            position = fence.Index + fence.Length;
        }

        ProseTo(pieces, text[position..], budget);
        return pieces;
    }

    private static void CodeTo(List<Piece> pieces, string block, int budget)
    {
        var bytes = Encoding.UTF8.GetByteCount(block);
        if (bytes <= budget)
        {
            pieces.Add(new Piece(block, bytes, 3));
            return;
        }

        // Too long for one part: cut between lines, each part a complete fenced block of its own.
        var firstLine = block[..(block.IndexOf('\n', StringComparison.Ordinal) + 1)];
        var body = block[firstLine.Length..^3].TrimEnd('\n');
        var chunk = new StringBuilder(firstLine);
        foreach (var line in body.Split('\n'))
        {
            if (Encoding.UTF8.GetByteCount(chunk.ToString()) + Encoding.UTF8.GetByteCount(line) + 5 > budget && chunk.Length > firstLine.Length)
            {
                chunk.Append("```\n");
                pieces.Add(new Piece(chunk.ToString(), Encoding.UTF8.GetByteCount(chunk.ToString()), 3));
                chunk.Clear().Append(firstLine);
            }

            foreach (var slice in HardSplit(line, budget - Encoding.UTF8.GetByteCount(firstLine) - 5))
            {
                chunk.Append(slice).Append('\n');
            }
        }

        chunk.Append("```");
        pieces.Add(new Piece(chunk.ToString(), Encoding.UTF8.GetByteCount(chunk.ToString()), 3));
    }

    private static void ProseTo(List<Piece> pieces, string prose, int budget)
    {
        foreach (Match token in ProseToken().Matches(prose))
        {
            var value = token.Value;
            if (value.Length == 0)
            {
                continue;
            }

            var strength = value.EndsWith("\n\n", StringComparison.Ordinal) ? 3
                : value.EndsWith('\n') || SentenceEnd().IsMatch(value) ? 2
                : value.EndsWith(' ') ? 1
                : 0;
            foreach (var slice in HardSplit(value, budget))
            {
                pieces.Add(new Piece(slice, Encoding.UTF8.GetByteCount(slice), strength));
            }
        }
    }

    /// <summary>Cuts a piece longer than the budget at character (never byte or surrogate) boundaries.</summary>
    private static IEnumerable<string> HardSplit(string value, int budget)
    {
        if (Encoding.UTF8.GetByteCount(value) <= budget)
        {
            yield return value;
            yield break;
        }

        var start = 0;
        var bytes = 0;
        for (var i = 0; i < value.Length;)
        {
            var width = char.IsHighSurrogate(value[i]) && i + 1 < value.Length ? 2 : 1;
            var size = Encoding.UTF8.GetByteCount(value.AsSpan(i, width));
            if (bytes + size > budget)
            {
                yield return value[start..i];
                start = i;
                bytes = 0;
            }

            bytes += size;
            i += width;
        }

        yield return value[start..];
    }

    [GeneratedRegex(@"```[^\n]*\n[\s\S]*?\n```", RegexOptions.CultureInvariant)]
    private static partial Regex CodeBlock();

    // A Markdown link or image whole; else a run up to and including its break (space, sentence end, newlines).
    [GeneratedRegex(@"!?\[[^\]\n]*\]\([^)\s]*\)|[^\s。！？!?.\[]*(?:[。！？!?.]+\s*|\n+| +|(?=\[)|$)|\s+", RegexOptions.CultureInvariant)]
    private static partial Regex ProseToken();

    [GeneratedRegex(@"[。！？!?.]\s*$", RegexOptions.CultureInvariant)]
    private static partial Regex SentenceEnd();
}
