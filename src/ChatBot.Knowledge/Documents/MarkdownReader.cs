using Markdig;
using Markdig.Extensions.Tables;
using Markdig.Syntax;

namespace ChatBot.Knowledge.Documents;

/// <summary>
/// Markdown as CommonMark reads it (Markdig, with pipe tables): ATX and setext headings, fenced code whose lines are
/// text (a <c>#</c> there is a comment), thematic breaks, tables. Everything else is taken line by line from the source,
/// as Chinese policies write one clause a line: each line a paragraph, or a heading when it is numbered as one
/// (<see cref="HeadingStyle"/>), and a run of pipe rows without a delimiter row still a table. The front matter
/// (<c>---</c> … <c>---</c>) limits the document as in <see cref="PlainTextReader"/>.
/// </summary>
public static class MarkdownReader
{
    private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder().UsePipeTables().Build();

    public static ParsedDocument Read(string text, string fallbackTitle)
    {
        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        var (access, start) = PlainTextReader.FrontMatter(lines);
        var body = string.Join('\n', lines[start..]);
        var parsed = Markdown.Parse(body, Pipeline);
        var blocks = new List<DocumentBlock>();
        foreach (var block in parsed)
        {
            Add(block, body, blocks);
        }

        // The first Markdown heading of level 1 (a numbered line is a heading, never the title).
        var title = parsed.OfType<Markdig.Syntax.HeadingBlock>().FirstOrDefault(h => h.Level == 1) is { } first ? TextOf(first, body) : null;
        return new ParsedDocument(title ?? fallbackTitle, blocks, access);
    }

    private static void Add(Block block, string body, List<DocumentBlock> blocks)
    {
        switch (block)
        {
            case Markdig.Syntax.HeadingBlock heading:
                blocks.Add(new HeadingBlock(heading.Level, TextOf(heading, body)));
                break;
            case FencedCodeBlock code:
                blocks.AddRange(LinesOf(code).Where(l => l.Length > 0).Select(l => new ParagraphBlock(l)));
                break;
            case ThematicBreakBlock:
                break;
            case Table:
                if (PlainTextReader.Table(Source(block, body)) is { } table)
                {
                    blocks.Add(table);
                }

                break;
            default:
                // Paragraphs, lists, quotes, indented text: the source lines as written, markers kept.
                Lines(Source(block, body), blocks);
                break;
        }
    }

    private static void Lines(IReadOnlyList<string> lines, List<DocumentBlock> blocks)
    {
        for (var i = 0; i < lines.Count; i++)
        {
            if (lines[i].StartsWith('|'))
            {
                i = PlainTextReader.AddTable(lines, i, blocks) - 1;
                continue;
            }

            blocks.Add(HeadingStyle.LevelOf(lines[i]) is { } level ? new HeadingBlock(level, lines[i]) : new ParagraphBlock(lines[i]));
        }
    }

    /// <summary>A heading's text as written: an ATX line without its marks, or a setext heading's lines without the underline.</summary>
    private static string TextOf(Markdig.Syntax.HeadingBlock heading, string body)
    {
        var lines = Source(heading, body);
        return heading.IsSetext
            ? string.Join(' ', lines.Take(lines.Count - 1))
            : lines[0].TrimStart('#').Trim().TrimEnd('#').Trim();
    }

    // Inline parsing has released the Lines of a paragraph or heading; a code block keeps its own.
    private static IEnumerable<string> LinesOf(LeafBlock block) =>
        Enumerable.Range(0, block.Lines.Count).Select(i => block.Lines.Lines[i].ToString().Trim());

    /// <summary>The block's source lines, trimmed, blank ones left out.</summary>
    private static List<string> Source(Block block, string body) =>
        body.Substring(block.Span.Start, Math.Min(block.Span.Length, body.Length - block.Span.Start))
            .Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0).ToList();
}
