using System.Text;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Wordprocessing;
using ExcelDataReader;
using UglyToad.PdfPig;
using UglyToad.PdfPig.DocumentLayoutAnalysis.TextExtractor;

namespace ChatBot.Knowledge.Documents;

/// <summary>Word, Excel and PDF into the same blocks as text: headings from styles or numbering, tables kept as tables.</summary>
public static class OfficeReaders
{
    /// <summary>docx: paragraphs with heading styles ("Heading2", or a style named "heading 2") are headings; tables keep their rows.</summary>
    public static ParsedDocument ReadWord(Stream stream, string fallbackTitle)
    {
        using var document = WordprocessingDocument.Open(stream, isEditable: false);
        var body = document.MainDocumentPart?.Document?.Body ?? throw new DocumentException("the Word file has no body");
        var styleNames = document.MainDocumentPart!.StyleDefinitionsPart?.Styles?.Elements<Style>()
            .Where(s => s.StyleId?.Value is not null)
            .ToDictionary(s => s.StyleId!.Value!, s => s.StyleName?.Val?.Value ?? "", StringComparer.OrdinalIgnoreCase) ?? [];
        var blocks = new List<DocumentBlock>();
        string? title = null;
        foreach (var element in body.ChildElements)
        {
            switch (element)
            {
                case Paragraph paragraph when paragraph.InnerText.Trim() is { Length: > 0 } text:
                    var styleId = paragraph.ParagraphProperties?.ParagraphStyleId?.Val?.Value;
                    var level = HeadingLevel(styleId, styleId is null ? null : styleNames.GetValueOrDefault(styleId)) ?? HeadingStyle.LevelOf(text);
                    if (level is { } l)
                    {
                        title ??= l == 1 ? text : null;
                        blocks.Add(new HeadingBlock(l, text));
                    }
                    else
                    {
                        blocks.Add(new ParagraphBlock(text));
                    }

                    break;
                case Table table:
                    var rows = table.Elements<TableRow>()
                        .Select(r => (IReadOnlyList<string>)r.Elements<TableCell>().Select(c => c.InnerText.Trim()).ToList())
                        .Where(r => r.Any(c => c.Length > 0))
                        .ToList();
                    if (rows.Count > 0)
                    {
                        blocks.Add(new TableBlock(rows[0], rows.Skip(1).ToList()));
                    }

                    break;
            }
        }

        return new ParsedDocument(title ?? fallbackTitle, blocks, DocumentAccess.Everyone);
    }

    private static int? HeadingLevel(string? styleId, string? styleName)
    {
        foreach (var name in new[] { styleId, styleName })
        {
            if (name is null)
            {
                continue;
            }

            var normalized = name.Replace(" ", "", StringComparison.Ordinal).ToLowerInvariant();
            if (normalized == "title")
            {
                return 1;
            }

            if (normalized.StartsWith("heading", StringComparison.Ordinal) && int.TryParse(normalized["heading".Length..], out var level) && level is >= 1 and <= 9)
            {
                return level;
            }
        }

        return null;
    }

    /// <summary>xlsx: each sheet a section named after it, its first non-empty row the header of its table.</summary>
    public static ParsedDocument ReadExcel(Stream stream, string fallbackTitle)
    {
        Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);
        using var reader = ExcelReaderFactory.CreateReader(stream);
        var blocks = new List<DocumentBlock>();
        do
        {
            var rows = new List<IReadOnlyList<string>>();
            while (reader.Read())
            {
                var row = Enumerable.Range(0, reader.FieldCount)
                    .Select(i => Convert.ToString(reader.GetValue(i), System.Globalization.CultureInfo.InvariantCulture)?.Trim() ?? "")
                    .ToList();
                if (row.Any(c => c.Length > 0))
                {
                    rows.Add(row);
                }
            }

            if (rows.Count > 0)
            {
                blocks.Add(new HeadingBlock(2, reader.Name));
                blocks.Add(new TableBlock(rows[0], rows.Skip(1).ToList()));
            }
        }
        while (reader.NextResult());

        return new ParsedDocument(fallbackTitle, blocks, DocumentAccess.Everyone);
    }

    /// <summary>PDF with a text layer: lines in reading order, headings from numbering. A scan (no text at all) is refused, not guessed.</summary>
    public static ParsedDocument ReadPdf(Stream stream, string fallbackTitle)
    {
        using var pdf = PdfDocument.Open(stream);
        var text = new StringBuilder();
        foreach (var page in pdf.GetPages())
        {
            text.AppendLine(ContentOrderTextExtractor.GetText(page));
        }

        if (string.IsNullOrWhiteSpace(text.ToString()))
        {
            throw new DocumentException($"the PDF has {pdf.NumberOfPages} page(s) but no text layer (a scan?); OCR is not available, so it is not indexed");
        }

        return PlainTextReader.Read(text.ToString(), fallbackTitle) with { Title = fallbackTitle };
    }
}
