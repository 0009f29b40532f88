using System.Text;

namespace ChatBot.Knowledge.Documents;

/// <summary>
/// Plain text (and the text of a PDF or a Word file without heading styles), line by line: <c>#</c> headings and setext headings (a line underlined with <c>===</c> or
/// <c>---</c>), pipe tables, numbered heading lines (<see cref="HeadingStyle"/>), and one paragraph per line — Chinese
/// policies write one clause a line. Inside a fenced code block (<c>```</c> or <c>~~~</c>) every line is text: a
/// <c>#</c> there is a comment, not a heading. An optional front matter block (<c>---</c> … <c>---</c>) limits the
/// document: <c>departments: hr, finance</c>, <c>users: u1</c>.
/// </summary>
public static class PlainTextReader
{
    public static ParsedDocument Read(string text, string fallbackTitle)
    {
        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        var (access, start) = FrontMatter(lines);

        var blocks = new List<DocumentBlock>();
        string? title = null;
        string? fence = null;
        for (var i = start; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (fence is not null)
            {
                // The fence closes on a run of its own character at least as long, and nothing else.
                if (line.Length >= fence.Length && line.All(c => c == fence[0]))
                {
                    fence = null;
                }
                else if (line.Length > 0)
                {
                    blocks.Add(new ParagraphBlock(line));
                }

                continue;
            }

            if (line.Length == 0)
            {
                continue;
            }

            if (Fence(line) is { } opened)
            {
                fence = opened;
                continue;
            }

            if (IsThematicBreak(line))
            {
                continue;
            }

            if (line.StartsWith('#') && line.TrimStart('#') is { } rest && rest.StartsWith(' ') && line.Length - rest.Length <= 6)
            {
                var level = line.Length - rest.Length;
                title ??= level == 1 ? rest.Trim() : null;
                blocks.Add(new HeadingBlock(level, rest.Trim()));
                continue;
            }

            if (line.StartsWith('|'))
            {
                i = AddTable(lines, i, blocks) - 1;
                continue;
            }

            if (i + 1 < lines.Length && SetextLevel(lines[i + 1].Trim()) is { } underlined)
            {
                title ??= underlined == 1 ? line : null;
                blocks.Add(new HeadingBlock(underlined, line));
                i++;
                continue;
            }

            blocks.Add(HeadingStyle.LevelOf(line) is { } numbered ? new HeadingBlock(numbered, line) : new ParagraphBlock(line));
        }

        return new ParsedDocument(title ?? fallbackTitle, blocks, access);
    }

    /// <summary>The opening run of a fenced code block (three or more backticks or tildes), or null.</summary>
    private static string? Fence(string line)
    {
        var marker = line[0];
        if (marker is not ('`' or '~'))
        {
            return null;
        }

        var run = line.TakeWhile(c => c == marker).Count();
        return run >= 3 ? new string(marker, run) : null;
    }

    /// <summary>A setext underline: 1 for <c>===</c>, 2 for <c>---</c> (any length), or null.</summary>
    private static int? SetextLevel(string line) =>
        line.Length == 0 ? null : line.All(c => c == '=') ? 1 : line.All(c => c == '-') ? 2 : null;

    /// <summary>A line of three or more <c>-</c>, <c>*</c> or <c>_</c> (spaces between allowed) that follows no paragraph: a rule, not text.</summary>
    private static bool IsThematicBreak(string line)
    {
        var marks = line.Replace(" ", "", StringComparison.Ordinal);
        return marks.Length >= 3 && marks[0] is '-' or '*' or '_' && marks.All(c => c == marks[0]);
    }

    /// <summary>Adds the table of the run of pipe rows that starts at <paramref name="start"/>; returns the index after the run.</summary>
    internal static int AddTable(IReadOnlyList<string> lines, int start, List<DocumentBlock> blocks)
    {
        var end = start;
        while (end < lines.Count && lines[end].Trim().StartsWith('|'))
        {
            end++;
        }

        if (Table(lines.Skip(start).Take(end - start)) is { } table)
        {
            blocks.Add(table);
        }

        return end;
    }

    /// <summary>A table from its pipe rows (the first is the header; delimiter rows are left out), or null when none is left.</summary>
    internal static TableBlock? Table(IEnumerable<string> rows)
    {
        var kept = rows.Select(Cells).Where(cells => !cells.All(c => c.Length > 0 && c.Trim(':', '-', ' ').Length == 0)).ToList();
        return kept.Count > 0 ? new TableBlock(kept[0], kept.Skip(1).ToList()) : null;
    }

    private static string[] Cells(string row) =>
        row.Trim().Trim('|').Split('|').Select(c => c.Trim()).ToArray();

    /// <summary>Who the document is for, from an optional front matter block (<c>---</c> … <c>---</c>), and the first line after it.</summary>
    internal static (DocumentAccess Access, int Start) FrontMatter(string[] lines)
    {
        if (lines.Length > 0 && lines[0].Trim() == "---" && Array.FindIndex(lines, 1, l => l.Trim() == "---") is var end and > 0)
        {
            return (Access(lines[1..end]), end + 1);
        }

        return (DocumentAccess.Everyone, 0);
    }

    private static DocumentAccess Access(string[] lines)
    {
        List<string> departments = [], users = [];
        foreach (var line in lines)
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                continue;
            }

            var values = line[(colon + 1)..].Trim().Trim('[', ']').Split([',', '，'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            switch (line[..colon].Trim().ToLowerInvariant())
            {
                case "departments" or "department":
                    departments.AddRange(values);
                    break;
                case "users" or "user":
                    users.AddRange(values);
                    break;
            }
        }

        return new DocumentAccess(departments, users);
    }

    /// <summary>Reads a text file as UTF-8, or GB18030 when it is not valid UTF-8 (files saved by Chinese Windows tools).</summary>
    public static string Decode(byte[] bytes)
    {
        try
        {
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes).TrimStart('\uFEFF');
        }
        catch (DecoderFallbackException)
        {
            Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);
            return Encoding.GetEncoding("GB18030").GetString(bytes);
        }
    }
}
