using System.Text;
using ChatBot.Knowledge.Documents;

namespace ChatBot.Knowledge;

/// <summary>A retrievable passage: one section (or part of one) of one document, with where it sits.</summary>
/// <param name="Document">The file, relative to the knowledge folder.</param>
/// <param name="Path">Title, then each heading above the passage: "员工手册 › 第三章 休假 › 第六条 婚假".</param>
public sealed record Chunk(string Document, string Title, IReadOnlyList<string> Path, string Text, DocumentAccess Access)
{
    public string Section => string.Join(" › ", Path);

    /// <summary>What is searched, matched and embedded: the heading path, then the passage.</summary>
    public string SearchText => Section + "\n" + Text;

    /// <summary>The innermost heading: what a citation names.</summary>
    public string Heading => Path.Count > 0 ? Path[^1] : Title;

    /// <summary>
    /// Whether the passage lies in the section whose heading holds this text — its own heading or one above it: a
    /// numbered clause the chunker made a sub-heading (4.2 under 4) is still in its section. How evaluation counts a hit.
    /// </summary>
    public bool IsIn(string section) => Path.Any(heading => heading.Contains(section, StringComparison.Ordinal));
}

/// <summary>
/// Splits a document along its own headings: every section becomes a passage carrying its heading path. A section
/// longer than <see cref="MaxChars"/> is split at paragraph boundaries (a paragraph longer than that at sentence
/// ends, never mid-sentence); a table stays whole when it fits, otherwise it goes row by row with its header
/// repeated, so every piece still says what its columns mean.
/// </summary>
public static class Chunker
{
    public const int MaxChars = 700;

    public static IReadOnlyList<Chunk> Split(string document, ParsedDocument parsed)
    {
        var chunks = new List<Chunk>();
        var headings = new List<(int Level, string Text)>();
        var pieces = new List<string>();

        void Flush()
        {
            if (pieces.Count == 0)
            {
                return;
            }

            var path = new List<string> { parsed.Title };
            path.AddRange(headings.Select(h => h.Text).Where(h => h != parsed.Title));
            foreach (var text in Pack(pieces))
            {
                chunks.Add(new Chunk(document, parsed.Title, path, text, parsed.Access));
            }

            pieces.Clear();
        }

        foreach (var block in parsed.Blocks)
        {
            switch (block)
            {
                case HeadingBlock heading:
                    Flush();
                    headings.RemoveAll(h => h.Level >= heading.Level);
                    headings.Add((heading.Level, heading.Text));
                    break;
                case ParagraphBlock paragraph:
                    pieces.AddRange(paragraph.Text.Length <= MaxChars ? [paragraph.Text] : Sentences(paragraph.Text));
                    break;
                case TableBlock table:
                    pieces.AddRange(TablePieces(table));
                    break;
            }
        }

        Flush();
        return chunks;
    }

    /// <summary>Paragraphs packed in order into passages of at most <see cref="MaxChars"/>.</summary>
    private static IEnumerable<string> Pack(List<string> pieces)
    {
        var current = new StringBuilder();
        foreach (var piece in pieces)
        {
            if (current.Length > 0 && current.Length + 1 + piece.Length > MaxChars)
            {
                yield return current.ToString();
                current.Clear();
            }

            current.Append(current.Length > 0 ? "\n" : "").Append(piece);
        }

        if (current.Length > 0)
        {
            yield return current.ToString();
        }
    }

    private static IEnumerable<string> TablePieces(TableBlock table)
    {
        var header = Row(table.Header);
        var whole = new StringBuilder(header);
        foreach (var row in table.Rows)
        {
            whole.Append('\n').Append(Row(row));
        }

        if (whole.Length <= MaxChars)
        {
            yield return whole.ToString();
            yield break;
        }

        // Too long for one passage: groups of rows, each under the header.
        var group = new StringBuilder(header);
        foreach (var row in table.Rows.Select(Row))
        {
            if (group.Length > header.Length && group.Length + 1 + row.Length > MaxChars)
            {
                yield return group.ToString();
                group.Clear().Append(header);
            }

            group.Append('\n').Append(row);
        }

        if (group.Length > header.Length)
        {
            yield return group.ToString();
        }
    }

    private static string Row(IReadOnlyList<string> cells) => "| " + string.Join(" | ", cells) + " |";

    /// <summary>A long paragraph cut after sentence ends (。！？；.!?), into pieces that fit.</summary>
    private static IEnumerable<string> Sentences(string paragraph)
    {
        var current = new StringBuilder();
        var sentence = new StringBuilder();
        foreach (var c in paragraph)
        {
            sentence.Append(c);
            if (c is '。' or '！' or '？' or '；' or '!' or '?' or ';' || (c == '.' && sentence.Length > 1))
            {
                if (current.Length > 0 && current.Length + sentence.Length > MaxChars)
                {
                    yield return current.ToString();
                    current.Clear();
                }

                current.Append(sentence);
                sentence.Clear();
            }
        }

        current.Append(sentence);
        if (current.Length > 0)
        {
            yield return current.ToString();
        }
    }
}
