using ChatBot.Core.Replies;

namespace ChatBot.Tests.Core;

/// <summary>
/// Golden files (Vectors/markdown): the model's Markdown as a plain-text channel shows it — no <c>**</c>, <c>#</c> or
/// <c>|---|</c> left, tables one line per row with their headers, lists and quotes kept readable.
/// </summary>
public sealed class MarkdownTextTests
{
    [Theory]
    [InlineData("answer-with-table")]
    [InlineData("plain")]
    public void Markdown_becomes_the_golden_plain_text(string name)
    {
        var folder = Path.Combine(AppContext.BaseDirectory, "Vectors", "markdown");
        var plain = MarkdownText.ToPlain(File.ReadAllText(Path.Combine(folder, name + ".md")));

        Assert.Equal(File.ReadAllText(Path.Combine(folder, name + ".txt")).TrimEnd(), plain);
        Assert.DoesNotContain("**", plain, StringComparison.Ordinal);
        Assert.DoesNotContain("|---", plain, StringComparison.Ordinal);
    }
}
