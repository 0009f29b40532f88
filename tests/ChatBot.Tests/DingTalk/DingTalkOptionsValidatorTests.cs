using ChatBot.DingTalk;

namespace ChatBot.Tests.DingTalk;

public sealed class DingTalkOptionsValidatorTests
{
    private static IReadOnlyList<string> Problems(Action<DingTalkOptions> change)
    {
        var options = new DingTalkOptions { ClientId = "dingapp", ClientSecret = "secret" };
        change(options);
        return new DingTalkOptionsValidator().Validate(null, options).Failures?.ToList() ?? [];
    }

    [Theory]
    [InlineData("", "content")]
    [InlineData("tpl-answer.schema", "content")]
    [InlineData("tpl-answer.schema", "msgContent")]
    [InlineData("", "")]
    public void Accepts_no_card_or_a_template_with_its_content_key(string template, string key) =>
        Assert.Empty(Problems(o => (o.StreamingCardTemplateId, o.StreamingCardContentKey) = (template, key)));

    [Theory]
    [InlineData("<card template id>", "content", "DingTalk:StreamingCardTemplateId holds placeholder text")]
    [InlineData(" tpl-answer.schema", "content", "DingTalk:StreamingCardTemplateId has leading or trailing whitespace")]
    [InlineData("tpl-answer.schema", " ", "DingTalk:StreamingCardContentKey is required when DingTalk:StreamingCardTemplateId is set")]
    public void Refuses_a_card_setting_that_cannot_work_naming_it(string template, string key, string message) =>
        Assert.Contains(Problems(o => (o.StreamingCardTemplateId, o.StreamingCardContentKey) = (template, key)), p => p.StartsWith(message, StringComparison.Ordinal));
}
