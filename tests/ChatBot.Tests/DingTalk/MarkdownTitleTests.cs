using ChatBot.DingTalk.Api;

namespace ChatBot.Tests.DingTalk;

/// <summary>A DingTalk Markdown message's title is what the chat list and the notification show: its first words, as text.</summary>
public sealed class MarkdownTitleTests
{
    [Theory]
    [InlineData("## 婚假\n\n**婚假**为 10 天。", "婚假")]
    [InlineData("> 注意：婚假需在领证后一年内休完。", "注意：婚假需在领证后一年内休完。")]
    [InlineData("", "…")]
    [InlineData("根据《员工休假管理办法》，婚假为 10 天，需提前 3 个工作日申请。", "根据《员工休假管理办法》，婚假为 10 天，需…")]
    public void The_title_is_the_first_line_as_text_and_cut_with_an_ellipsis(string markdown, string title) =>
        Assert.Equal(title, DingTalkReplySender.Title(markdown));

    [Fact]
    public void A_cut_never_leaves_half_an_emoji()
    {
        var title = DingTalkReplySender.Title(new string('好', 22) + "😀😀😀");

        Assert.EndsWith("…", title, StringComparison.Ordinal);
        Assert.False(char.IsHighSurrogate(title[^2]), "a lone high surrogate before the ellipsis");
    }
}
