using System.Text;
using Markdig;
using Markdig.Extensions.Tables;
using Markdig.Syntax;
using Markdig.Syntax.Inlines;

namespace ChatBot.Core.Replies;

/// <summary>What a channel's message shows of Markdown.</summary>
public enum MarkdownDialect
{
    /// <summary>Nothing: a text message shows <c>**</c>, <c>#</c> and <c>|---|</c> as they are.</summary>
    Plain,

    /// <summary>
    /// DingTalk's <c>markdown</c> / <c>sampleMarkdown</c>: headings, bold and italic, links, lists and quotes; no
    /// tables or code blocks; a line ends only where it ends with two spaces (dingtalk.md §7).
    /// </summary>
    DingTalk,

    /// <summary>The WeCom app's <c>markdown</c>: headings, bold, links, inline code and quotes; no lists or tables.</summary>
    WeCom,

    /// <summary>Markdown as the model wrote it: the WeCom AI bot's messages render CommonMark with tables.</summary>
    Full,
}

/// <summary>
/// The model writes Markdown; each channel shows a different part of it. This writes the model's Markdown again in
/// what the channel shows: for plain text, headings and paragraphs as lines, list items with "• " or their number,
/// links as "text (url)"; for DingTalk's and the WeCom app's Markdown, their subset kept and the rest written as text.
/// A table, which no IM message renders, becomes one line per row ("header：value；…"), readable at any width.
/// Parsed with Markdig, so what counts as Markdown is CommonMark's answer, not a regex's.
/// </summary>
public sealed class MarkdownText
{
    private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder().UsePipeTables().UseEmphasisExtras().Build();
    private readonly MarkdownDialect _dialect;
    private readonly StringBuilder _text = new();

    private MarkdownText(MarkdownDialect dialect) => _dialect = dialect;

    public static string ToPlain(string markdown) => Write(markdown, MarkdownDialect.Plain);

    public static string Write(string markdown, MarkdownDialect dialect)
    {
        if (dialect == MarkdownDialect.Full)
        {
            return markdown;
        }

        var writer = new MarkdownText(dialect);
        foreach (var block in Markdown.Parse(markdown, Pipeline))
        {
            writer.Block(block, "");
            if (dialect != MarkdownDialect.Plain)
            {
                // Blocks apart, or the channel's Markdown runs two paragraphs into one.
                writer._text.Append('\n');
            }
        }

        return writer._text.ToString().TrimEnd();
    }

    private bool Marked => _dialect != MarkdownDialect.Plain;

    // DingTalk ends a line only where two spaces end it; elsewhere a newline is one.
    private string LineEnd => _dialect == MarkdownDialect.DingTalk ? "  \n" : "\n";

    private void Block(Block block, string indent)
    {
        switch (block)
        {
            case HeadingBlock heading:
                Line(indent, (Marked ? new string('#', heading.Level) + " " : "") + Inlines(heading.Inline));
                break;
            case ParagraphBlock paragraph:
                Line(indent, Inlines(paragraph.Inline));
                break;
            case Table table:
                WriteTable(table, indent);
                break;
            case ListBlock list:
                WriteList(list, indent);
                break;
            case QuoteBlock quote:
                foreach (var child in quote)
                {
                    Block(child, indent + "> ");
                }

                break;
            case CodeBlock code:
                foreach (var line in code.Lines.Lines.Take(code.Lines.Count))
                {
                    Line(indent, line.ToString());
                }

                break;
            case ContainerBlock container:
                foreach (var child in container)
                {
                    Block(child, indent);
                }

                break;
        }
    }

    private void WriteList(ListBlock list, string indent)
    {
        var number = int.TryParse(list.OrderedStart, out var start) ? start : 1;
        foreach (var item in list.OfType<ListItemBlock>())
        {
            // DingTalk renders Markdown lists; the others show the marker as text, where a bullet reads better.
            var marker = list.IsOrdered ? $"{number++}. " : _dialect == MarkdownDialect.DingTalk ? "- " : "• ";
            var first = true;
            foreach (var child in item)
            {
                // The marker goes on the item's first line; what follows lines up under its text.
                var before = _text.Length;
                Block(child, indent + new string(' ', marker.Length));
                if (first && _text.Length > before)
                {
                    _text.Remove(before, indent.Length + marker.Length).Insert(before, indent + marker);
                    first = false;
                }
            }
        }
    }

    private void WriteTable(Table table, string indent)
    {
        var rows = table.OfType<TableRow>().Select(row => row.OfType<TableCell>().Select(Cell).ToList()).ToList();
        var header = table.OfType<TableRow>().FirstOrDefault() is { IsHeader: true } ? rows[0] : null;
        foreach (var cells in header is null ? rows : rows.Skip(1))
        {
            var pairs = cells.Select((cell, i) => header is not null && i < header.Count && header[i].Length > 0 ? $"{header[i]}：{cell}" : cell);
            // A row is a line, not a list item: beside a list, items would join it, and writing the text again would not give the same text.
            Line(indent, string.Join("；", pairs.Where(p => p.Length > 0)));
        }
    }

    private string Cell(TableCell cell) => string.Join(" ", cell.OfType<ParagraphBlock>().Select(p => Inlines(p.Inline))).Trim();

    private void Line(string indent, string line)
    {
        foreach (var part in line.Split('\n'))
        {
            _text.Append(indent).Append(part.TrimEnd()).Append(LineEnd);
        }
    }

    private string Inlines(ContainerInline? inlines)
    {
        var text = new StringBuilder();
        for (var inline = inlines?.FirstChild; inline is not null; inline = inline.NextSibling)
        {
            Inline(inline, text);
        }

        return text.ToString();
    }

    private void Inline(Inline inline, StringBuilder text)
    {
        switch (inline)
        {
            case LiteralInline literal:
                text.Append(literal.Content.ToString());
                break;
            case CodeInline code:
                var tick = _dialect == MarkdownDialect.WeCom ? "`" : "";
                text.Append(tick).Append(code.Content).Append(tick);
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
                if (Marked && !string.IsNullOrEmpty(link.Url))
                {
                    text.Append('[').Append(label).Append("](").Append(link.Url).Append(')');
                }
                else
                {
                    text.Append(label);
                    if (!string.IsNullOrEmpty(link.Url) && link.Url != label)
                    {
                        text.Append(" (").Append(link.Url).Append(')');
                    }
                }

                break;
            case HtmlEntityInline entity:
                text.Append(entity.Transcoded.ToString());
                break;
            case HtmlInline:
                // A tag is markup, not words.
                break;
            case EmphasisInline emphasis:
                // Bold everywhere it renders; italic only on DingTalk; strike-through and the rest as plain words.
                var mark = emphasis.DelimiterChar is '*' or '_' && (emphasis.DelimiterCount == 2 ? Marked : _dialect == MarkdownDialect.DingTalk)
                    ? new string('*', emphasis.DelimiterCount) : "";
                text.Append(mark).Append(Inlines(emphasis)).Append(mark);
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
