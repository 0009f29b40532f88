using System.Text;
using ChatBot.Core.Replies;

namespace ChatBot.Tests.Core;

public sealed class ReplySplitterTests
{
    private static string Body(string part) => part[(part.IndexOf('\n', StringComparison.Ordinal) + 1)..];

    [Fact]
    public void A_short_answer_is_one_unnumbered_part() => Assert.Equal(["你好"], ReplySplitter.Split("你好", 2048));

    [Theory]
    [InlineData(2048)]
    [InlineData(300)]
    [InlineData(100)]
    public void Parts_fit_the_byte_limit_and_keep_every_character(int limit)
    {
        var text = string.Concat(Enumerable.Range(0, 60).Select(i => $"第{i}段：年假按工龄计算。Second sentence here! 🚀 emoji.\n\n"));
        var parts = ReplySplitter.Split(text, limit);

        Assert.True(parts.Count > 1);
        Assert.All(parts, p => Assert.True(Encoding.UTF8.GetByteCount(p) <= limit, $"{Encoding.UTF8.GetByteCount(p)} > {limit}"));
        Assert.All(parts, p => Assert.DoesNotContain('\uFFFD', p));
        Assert.Equal(Squash(text), Squash(string.Concat(parts.Select(Body))));
    }

    [Fact]
    public void Prefers_paragraph_then_sentence_boundaries()
    {
        var paragraph = new string('a', 80) + ". " + new string('b', 80) + ".";
        var parts = ReplySplitter.Split(paragraph + "\n\n" + paragraph, 250);

        Assert.Equal(2, parts.Count);
        Assert.EndsWith("b.", Body(parts[0]), StringComparison.Ordinal);
        Assert.StartsWith("aaa", Body(parts[1]), StringComparison.Ordinal);
    }

    [Fact]
    public void Never_splits_a_link_or_a_code_block_that_fits()
    {
        var link = "[年假政策](https://intranet.example.com/hr/policies/annual-leave?section=2)";
        var code = "```json\n{\"days\": 5,\n \"expires\": \"03-31\"}\n```";
        var text = new string('x', 150) + " " + link + " " + new string('y', 100) + "\n\n" + code + "\n\n" + new string('z', 150);
        var parts = ReplySplitter.Split(text, 260).Select(Body).ToList();

        Assert.Contains(parts, p => p.Contains(link, StringComparison.Ordinal));
        Assert.Contains(parts, p => p.Contains(code, StringComparison.Ordinal));
    }

    [Fact]
    public void A_code_block_longer_than_a_part_is_closed_and_reopened()
    {
        var code = "```python\n" + string.Join("\n", Enumerable.Range(0, 40).Select(i => $"print('line {i}')")) + "\n```";
        var parts = ReplySplitter.Split(code, 200).Select(Body).ToList();

        Assert.True(parts.Count > 2);
        Assert.All(parts, p =>
        {
            Assert.StartsWith("```python\n", p, StringComparison.Ordinal);
            Assert.EndsWith("```", p, StringComparison.Ordinal);
        });
    }

    [Fact]
    public void Head_cuts_once_without_numbering()
    {
        var head = ReplySplitter.Head("第一句。第二句。第三句。", 20);
        Assert.True(Encoding.UTF8.GetByteCount(head) <= 20);
        Assert.Equal("第一句。", head);
    }

    private static string Squash(string s) => s.Replace("\n", "", StringComparison.Ordinal).Replace(" ", "", StringComparison.Ordinal);
}
