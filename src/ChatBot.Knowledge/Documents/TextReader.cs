using System.Text;

namespace ChatBot.Knowledge.Documents;

/// <summary>
/// Markdown and plain text, line by line: <c>#</c> headings and setext headings (a line underlined with <c>===</c> or
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
        var start = 0;
        var access = DocumentAccess.Everyone;
        if (lines.Length > 0 && lines[0].Trim() == "---")
        {
            var end = Array.FindIndex(lines, 1, l => l.Trim() == "---");
            if (end > 0)
            {
                access = FrontMatter(lines[1..end]);
                start = end + 1;
            }
        }

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
                var rows = new List<IReadOnlyList<string>>();
                for (; i < lines.Length && lines[i].Trim().StartsWith('|'); i++)
                {
                    var cells = Cells(lines[i]);
                    if (!cells.All(c => c.Length > 0 && c.Trim(':', '-', ' ').Length == 0))
                    {
                        rows.Add(cells);
                    }
                }

                i--;
                if (rows.Count > 0)
                {
                    blocks.Add(new TableBlock(rows[0], rows.Skip(1).ToList()));
                }

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

    private static string[] Cells(string row) =>
        row.Trim().Trim('|').Split('|').Select(c => c.Trim()).ToArray();

    private static DocumentAccess FrontMatter(string[] lines)
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
