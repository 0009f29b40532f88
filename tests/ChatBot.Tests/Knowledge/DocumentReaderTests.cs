using ChatBot.Core.Knowledge;
using ChatBot.Knowledge;
using ChatBot.Knowledge.Documents;
using DocumentFormat.OpenXml;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Spreadsheet;
using UglyToad.PdfPig.Fonts.Standard14Fonts;
using UglyToad.PdfPig.Writer;
using W = DocumentFormat.OpenXml.Wordprocessing;

namespace ChatBot.Tests.Knowledge;

/// <summary>Each format into headings, paragraphs and tables; fixtures are written by the test itself.</summary>
public sealed class DocumentReaderTests : IDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("chatbot-docs");

    public void Dispose() => _folder.Delete(recursive: true);

    private string PathOf(string name) => Path.Combine(_folder.FullName, name);

    [Theory]
    [InlineData("第三章 休假", 1)]
    [InlineData("第二节 报销", 2)]
    [InlineData("第六条 婚假", 3)]
    [InlineData("一、申请条件", 2)]
    [InlineData("（二）住宿费用", 3)]
    [InlineData("1 着装要求", 2)]
    [InlineData("1.1 工作服", 3)]
    [InlineData("2.3.1 审批", 4)]
    public void Numbering_styles_make_headings_at_their_level(string line, int level) => Assert.Equal(level, HeadingStyle.LevelOf(line));

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_hash_inside_a_code_fence_is_text_and_setext_underlines_make_headings(bool markdown)
    {
        const string text = """
            员工手册
            ====

            年假
            ---
            员工每年享有 5 天年假。

            ```bash
            # 查询剩余年假
            hr-cli leave --user me
            ```

            ~~~~
            ## 不是标题
            ~~~
            仍在代码块中
            ~~~~

            ***

            ## 病假
            病假须提供医院证明。
            """;

        var document = markdown ? MarkdownReader.Read(text, "fallback") : PlainTextReader.Read(text, "fallback");

        Assert.Equal("员工手册", document.Title);
        Assert.Equal(
            [new HeadingBlock(1, "员工手册"), new HeadingBlock(2, "年假"), new HeadingBlock(2, "病假")],
            document.Blocks.OfType<HeadingBlock>());
        var paragraphs = document.Blocks.OfType<ParagraphBlock>().Select(p => p.Text).ToList();
        Assert.Equal(["员工每年享有 5 天年假。", "# 查询剩余年假", "hr-cli leave --user me", "## 不是标题", "~~~", "仍在代码块中", "病假须提供医院证明。"], paragraphs);
    }

    [Theory]
    [InlineData("（一）非本市户籍且在本市无自有住房的正式员工，可申请入住员工宿舍。")]
    [InlineData("1.1 进入生产车间的人员，须穿戴工作服。")]
    [InlineData("10天")]
    [InlineData("2026年4月1日起施行")]
    [InlineData("员工须遵守本规定。")]
    public void Clauses_and_dates_are_not_headings(string line) => Assert.Null(HeadingStyle.LevelOf(line));

    [Fact]
    public void Markdown_keeps_front_matter_access_headings_and_tables()
    {
        File.WriteAllText(PathOf("handbook.md"), """
            ---
            departments: hr, finance
            users: boss
            ---
            # 员工手册
            ## 第三章 休假
            第六条 婚假
            员工依法办理结婚登记的，可享受婚假10天。
            | 假别 | 天数 |
            |---|---|
            | 婚假 | 10天 |
            """);

        var document = DocumentReader.Read(PathOf("handbook.md"));
        var chunk = Assert.Single(Chunker.Split("handbook.md", document));

        Assert.Equal("员工手册 › 第三章 休假 › 第六条 婚假", chunk.Section);
        Assert.Contains("| 婚假 | 10天 |", chunk.Text, StringComparison.Ordinal);
        Assert.Equal(["hr", "finance"], document.Access.Departments);
        Assert.True(document.Access.Allows("someone", ["finance"]));
        Assert.False(document.Access.Allows("someone", null));
        Assert.True(document.Access.Allows("boss", null));
    }

    [Fact]
    public void Long_sections_split_at_paragraph_boundaries_and_long_tables_repeat_their_header()
    {
        var paragraphs = Enumerable.Range(0, 12).Select(i => $"第{i}款，" + new string('规', 90) + "。");
        var rows = Enumerable.Range(0, 60).Select(i => $"| 岗位{i} | {i * 100}元 |");
        File.WriteAllText(PathOf("long.md"), "# 长文件\n## 一、细则\n" + string.Join("\n", paragraphs) + "\n## 二、标准\n| 岗位 | 金额 |\n|---|---|\n" + string.Join("\n", rows));

        var chunks = Chunker.Split("long.md", DocumentReader.Read(PathOf("long.md")));

        var prose = chunks.Where(c => c.Heading == "一、细则").ToList();
        Assert.True(prose.Count > 1);
        Assert.All(prose, c => Assert.True(c.Text.Length <= Chunker.MaxChars));
        Assert.All(prose.SelectMany(c => c.Text.Split('\n')), line => Assert.EndsWith("。", line, StringComparison.Ordinal));
        var table = chunks.Where(c => c.Heading == "二、标准").ToList();
        Assert.True(table.Count > 1);
        Assert.All(table, c => Assert.StartsWith("| 岗位 | 金额 |", c.Text, StringComparison.Ordinal));
        Assert.Equal(60, table.Sum(c => c.Text.Split('\n').Length - 1));
    }

    [Fact]
    public void Word_headings_come_from_styles_and_tables_keep_rows()
    {
        using (var word = WordprocessingDocument.Create(PathOf("policy.docx"), WordprocessingDocumentType.Document))
        {
            var main = word.AddMainDocumentPart();
            main.Document = new W.Document(new W.Body(
                Paragraph("差旅管理办法", "Title"),
                Paragraph("第二章 住宿", "Heading2"),
                Paragraph("出差住宿按城市等级报销。", null),
                new W.Table(Row("城市", "标准"), Row("一线城市", "500元"), Row("其他城市", "300元"))));
        }

        var chunks = Chunker.Split("policy.docx", DocumentReader.Read(PathOf("policy.docx")));

        var chunk = Assert.Single(chunks);
        Assert.Equal("差旅管理办法 › 第二章 住宿", chunk.Section);
        Assert.Contains("| 一线城市 | 500元 |", chunk.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Excel_sheets_become_sections_with_their_header_row()
    {
        using (var excel = SpreadsheetDocument.Create(PathOf("allowance.xlsx"), SpreadsheetDocumentType.Workbook))
        {
            var book = excel.AddWorkbookPart();
            book.Workbook = new Workbook();
            var sheetPart = book.AddNewPart<WorksheetPart>();
            sheetPart.Worksheet = new Worksheet(new SheetData(
                new Row(Cell("职级"), Cell("餐补")), new Row(Cell("专员"), Cell("20元/天")), new Row(Cell("经理"), Cell("30元/天"))));
            book.Workbook.AppendChild(new Sheets(new Sheet { Id = book.GetIdOfPart(sheetPart), SheetId = 1, Name = "伙食补贴" }));
        }

        var chunk = Assert.Single(Chunker.Split("allowance.xlsx", DocumentReader.Read(PathOf("allowance.xlsx"))));

        Assert.Equal("allowance › 伙食补贴", chunk.Section);
        Assert.Equal("| 职级 | 餐补 |\n| 专员 | 20元/天 |\n| 经理 | 30元/天 |", chunk.Text);
    }

    [Fact]
    public void A_text_pdf_is_read_by_numbering_and_a_scan_is_refused_with_the_reason()
    {
        var builder = new PdfDocumentBuilder();
        var font = builder.AddStandard14Font(Standard14Font.Helvetica);
        var page = builder.AddPage(UglyToad.PdfPig.Content.PageSize.A4);
        page.AddText("1 Scope", 12, new UglyToad.PdfPig.Core.PdfPoint(50, 750), font);
        page.AddText("This policy applies to all staff.", 10, new UglyToad.PdfPig.Core.PdfPoint(50, 730), font);
        page.AddText("2 Travel", 12, new UglyToad.PdfPig.Core.PdfPoint(50, 700), font);
        page.AddText("Economy class for flights under six hours.", 10, new UglyToad.PdfPig.Core.PdfPoint(50, 680), font);
        File.WriteAllBytes(PathOf("travel.pdf"), builder.Build());
        var scan = new PdfDocumentBuilder();
        scan.AddPage(UglyToad.PdfPig.Content.PageSize.A4);
        File.WriteAllBytes(PathOf("scan.pdf"), scan.Build());

        var chunks = Chunker.Split("travel.pdf", DocumentReader.Read(PathOf("travel.pdf")));
        var error = Assert.Throws<DocumentException>(() => DocumentReader.Read(PathOf("scan.pdf")));

        Assert.Equal(["travel › 1 Scope", "travel › 2 Travel"], chunks.Select(c => c.Section));
        Assert.Contains("Economy class", chunks[1].Text, StringComparison.Ordinal);
        Assert.Contains("no text layer", error.Message, StringComparison.Ordinal);
    }

    internal static W.Paragraph Paragraph(string text, string? style)
    {
        var paragraph = new W.Paragraph(new W.Run(new W.Text(text)));
        if (style is not null)
        {
            paragraph.PrependChild(new W.ParagraphProperties(new W.ParagraphStyleId { Val = style }));
        }

        return paragraph;
    }

    private static W.TableRow Row(params string[] cells) => new(cells.Select(c => new W.TableCell(new W.Paragraph(new W.Run(new W.Text(c))))));

    private static Cell Cell(string text) => new() { DataType = CellValues.InlineString, InlineString = new InlineString(new Text(text)) };
}
