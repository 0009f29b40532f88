using ChatBot.Core.Replies;

namespace ChatBot.Tests.Core;

/// <summary>
/// Golden files (Vectors/markdown): the model's Markdown as each channel shows it. Plain text: no <c>**</c>, <c>#</c>
/// or <c>|---|</c> left, tables one line per row with their headers, lists and quotes kept readable. DingTalk's and
/// the WeCom app's Markdown: their own subset kept (headings, bold, links, quotes; lists on DingTalk, inline code on
/// WeCom), tables as rows, and DingTalk's line ends written as two spaces.
/// </summary>
public sealed class MarkdownTextTests
{
    private static readonly string Folder = Path.Combine(AppContext.BaseDirectory, "Vectors", "markdown");

    [Theory]
    [InlineData("answer-with-table")]
    [InlineData("plain")]
    public void Markdown_becomes_the_golden_plain_text(string name)
    {
        var plain = MarkdownText.ToPlain(File.ReadAllText(Path.Combine(Folder, name + ".md")));

        Assert.Equal(File.ReadAllText(Path.Combine(Folder, name + ".txt")).TrimEnd(), plain);
        Assert.DoesNotContain("**", plain, StringComparison.Ordinal);
        Assert.DoesNotContain("|---", plain, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("answer-with-table", MarkdownDialect.DingTalk, "dingtalk")]
    [InlineData("plain", MarkdownDialect.DingTalk, "dingtalk")]
    [InlineData("answer-with-table", MarkdownDialect.WeCom, "wecom")]
    [InlineData("plain", MarkdownDialect.WeCom, "wecom")]
    public void Markdown_becomes_the_golden_markdown_of_each_channel(string name, MarkdownDialect dialect, string suffix)
    {
        var written = MarkdownText.Write(File.ReadAllText(Path.Combine(Folder, name + ".md")), dialect);

        Assert.Equal(File.ReadAllText(Path.Combine(Folder, $"{name}.{suffix}.txt")).TrimEnd(), written);
        Assert.DoesNotContain("|---", written, StringComparison.Ordinal); // no IM message renders a table
        // A sender writes every text it is given for its channel, the answer already written included: no change then.
        Assert.Equal(written, MarkdownText.Write(written, dialect));
    }
}
