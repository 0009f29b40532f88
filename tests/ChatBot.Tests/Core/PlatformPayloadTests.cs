using System.Text.Json;
using ChatBot.DingTalk.Api;
using ChatBot.WeCom;

namespace ChatBot.Tests.Core;

/// <summary>
/// The bodies sent to the platforms, byte for byte as the documented examples spell them (dingtalk.md §4, wecom.md
/// §3–§4, stream-modes.md): field names and their case, a message type's other member left out rather than null,
/// and CJK kept as UTF-8 where the text is counted against a byte limit.
/// </summary>
public sealed class PlatformPayloadTests
{
    [Fact]
    public void DingTalk_msgParam_keeps_chinese_as_utf8_and_names_its_fields_as_documented()
    {
        Assert.Equal("""{"content":"你好 \"引号\""}""", DingTalkApiClient.MsgParam("你好 \"引号\""));
        Assert.Equal("""{"title":"年假","text":"# 年假\n五天"}""", DingTalkApiClient.MsgParam("# 年假\n五天", "年假"));
    }

    [Fact]
    public void DingTalk_webhook_text_leaves_out_markdown_and_an_absent_mention()
    {
        var plain = JsonSerializer.Serialize(new WebhookMessage("text", new TextParam("hi"), null, null), DingTalkJson.Default.WebhookMessage);
        Assert.Equal("""{"msgtype":"text","text":{"content":"hi"}}""", plain);

        var mention = JsonSerializer.Serialize(new WebhookMessage("markdown", null, new MarkdownParam("t", "x"), new WebhookAt(["u1"], IsAtAll: false)),
            DingTalkJson.Default.WebhookMessage);
        Assert.Equal("""{"msgtype":"markdown","markdown":{"title":"t","text":"x"},"at":{"atUserIds":["u1"],"isAtAll":false}}""", mention);
    }

    [Fact]
    public void DingTalk_directory_and_card_bodies_use_the_apis_own_names()
    {
        Assert.Equal("""{"dept_id":7,"language":"zh_CN"}""", JsonSerializer.Serialize(new DepartmentListRequest(7, "zh_CN"), DingTalkJson.Default.DepartmentListRequest));

        var card = new CardCreation("tpl", "track", new CardData(new Dictionary<string, string> { ["content"] = "x" }), "STREAM", 1, "dtv1.card//IM_GROUP.cid",
            ImGroupOpenSpaceModel: new CardSpace(SupportForward: true), ImGroupOpenDeliverModel: new GroupCardDelivery("robot", null));
        Assert.Equal(
            """{"cardTemplateId":"tpl","outTrackId":"track","cardData":{"cardParamMap":{"content":"x"}},"callbackType":"STREAM","userIdType":1,"openSpaceId":"dtv1.card//IM_GROUP.cid","imGroupOpenSpaceModel":{"supportForward":true},"imGroupOpenDeliverModel":{"robotCode":"robot"}}""",
            JsonSerializer.Serialize(card, DingTalkJson.Default.CardCreation));
    }

    [Fact]
    public void WeCom_app_message_uses_snake_case_where_wecom_does_and_only_its_type_member()
    {
        var json = JsonSerializer.Serialize(new AppMessage("bob", "markdown", 1000002, null, new ContentOnly("**hi**"), 1, 1800), WeComJson.Default.AppMessage);
        Assert.Equal("""{"touser":"bob","msgtype":"markdown","agentid":1000002,"markdown":{"content":"**hi**"},"enable_duplicate_check":1,"duplicate_check_interval":1800}""", json);
        Assert.Equal("""{"chatid":"c1","chat_type":2,"msgtype":"markdown","markdown":{"content":"x"}}""",
            JsonSerializer.Serialize(new ChatMarkdown("c1", 2, "markdown", new ContentOnly("x")), WeComJson.Default.ChatMarkdown));
        Assert.Equal("""{"bot_id":"b","secret":"s"}""", JsonSerializer.Serialize(new Subscription("b", "s"), WeComJson.Default.Subscription));
    }

    [Fact]
    public void WeCom_passive_stream_reply_keeps_chinese_as_utf8_before_it_is_encrypted()
    {
        Assert.Equal("""{"msgtype":"stream","stream":{"id":"s1","finish":true,"content":"年假五天"}}""",
            JsonSerializer.Serialize(new StreamMessage("stream", new StreamPiece("s1", true, "年假五天")), WeComJson.Relaxed.StreamMessage));
    }
}
