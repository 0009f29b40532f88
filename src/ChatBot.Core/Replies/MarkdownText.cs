using System.Text;
using Markdig;
using Markdig.Extensions.Tables;
using Markdig.Syntax;
using Markdig.Syntax.Inlines;

namespace ChatBot.Core.Replies;

/// <summary>
/// The model writes Markdown; a channel that shows plain text (DingTalk text messages, the WeCom app's text) would show
/// its <c>**</c>, <c>#</c> and <c>|---|</c>. This turns it into clean text that reads the same: headings and paragraphs
/// as lines, list items with "• " or their number, a table as one line per row ("header：value；…", which stays
/// readable at any width), links as "text (url)", code as it is. Parsed with Markdig, so what counts as Markdown is
/// CommonMark's answer, not a regex's.
/// </summary>
public static class MarkdownText
{
    private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder().UsePipeTables().UseEmphasisExtras().Build();

    public static string ToPlain(string markdown)
    {
        var text = new StringBuilder();
        foreach (var block in Markdown.Parse(markdown, Pipeline))
        {
            Write(block, text, "");
        }

        return text.ToString().TrimEnd();
    }

    private static void Write(Block block, StringBuilder text, string indent)
    {
        switch (block)
        {
            case HeadingBlock heading:
                Line(text, indent, Inlines(heading.Inline));
                break;
            case ParagraphBlock paragraph:
                Line(text, indent, Inlines(paragraph.Inline));
                break;
            case Table table:
                WriteTable(table, text, indent);
                break;
            case ListBlock list:
                var number = int.TryParse(list.OrderedStart, out var start) ? start : 1;
                foreach (var item in list.OfType<ListItemBlock>())
                {
                    var marker = list.IsOrdered ? $"{number++}. " : "• ";
                    var first = true;
                    foreach (var child in item)
                    {
                        // The marker goes on the item's first line; what follows lines up under its text.
                        var before = text.Length;
                        Write(child, text, indent + new string(' ', marker.Length));
                        if (first && text.Length > before)
                        {
                            text.Remove(before, indent.Length + marker.Length).Insert(before, indent + marker);
                            first = false;
                        }
                    }
                }

                break;
            case QuoteBlock quote:
                foreach (var child in quote)
                {
                    Write(child, text, indent + "> ");
                }

                break;
            case CodeBlock code:
                foreach (var line in code.Lines.Lines.Take(code.Lines.Count))
                {
                    Line(text, indent, line.ToString());
                }

                break;
            case ContainerBlock container:
                foreach (var child in container)
                {
                    Write(child, text, indent);
                }

                break;
        }
    }

    private static void WriteTable(Table table, StringBuilder text, string indent)
    {
        var rows = table.OfType<TableRow>().Select(row => row.OfType<TableCell>().Select(Cell).ToList()).ToList();
        var header = table.OfType<TableRow>().FirstOrDefault() is { IsHeader: true } ? rows[0] : null;
        foreach (var cells in header is null ? rows : rows.Skip(1))
        {
            var pairs = cells.Select((cell, i) => header is not null && i < header.Count && header[i].Length > 0 ? $"{header[i]}：{cell}" : cell);
            Line(text, indent, string.Join("；", pairs.Where(p => p.Length > 0)));
        }
    }

    private static string Cell(TableCell cell) => string.Join(" ", cell.OfType<ParagraphBlock>().Select(p => Inlines(p.Inline))).Trim();

    private static void Line(StringBuilder text, string indent, string line)
    {
        foreach (var part in line.Split('\n'))
        {
            text.Append(indent).Append(part.TrimEnd()).Append('\n');
        }
    }

    private static string Inlines(ContainerInline? inlines)
    {
        var text = new StringBuilder();
        for (var inline = inlines?.FirstChild; inline is not null; inline = inline.NextSibling)
        {
            Inline(inline, text);
        }

        return text.ToString();
    }

    private static void Inline(Inline inline, StringBuilder text)
    {
        switch (inline)
        {
            case LiteralInline literal:
                text.Append(literal.Content.ToString());
                break;
            case CodeInline code:
                text.Append(code.Content);
                break;
            case LineBreakInline:
                text.Append('\n');
                break;
            case AutolinkInline link:
                text.Append(link.Url);
                break;
            case LinkInline { IsImage: true }:
                break;
            case LinkInline link:
                var label = Inlines(link);
                text.Append(label);
                if (!string.IsNullOrEmpty(link.Url) && link.Url != label)
                {
                    text.Append(" (").Append(link.Url).Append(')');
                }

                break;
            case HtmlEntityInline entity:
                text.Append(entity.Transcoded.ToString());
                break;
            case HtmlInline:
                // A tag is markup, not words.
                break;
            case ContainerInline container:
                for (var child = container.FirstChild; child is not null; child = child.NextSibling)
                {
                    Inline(child, text);
                }

                break;
        }
    }
}
