using System.Text;
using ChatBot.DingTalk.Callbacks;
using ChatBot.DingTalk.LongConnection;

namespace ChatBot.Tests.DingTalk;

/// <summary>
/// What the robot's inbound JSON and the Stream gateway's frames are read as (dingtalk.md §1, stream-modes.md §1.3):
/// documented fields in their documented types, anything else of the wrong type read as absent, never a throw.
/// </summary>
public sealed class DingTalkMessageParseTests
{
    private const string Base = "'msgId':'m1','conversationId':'c1','senderId':'$:LWCP_v1:$abc'";

    [Theory]
    [InlineData("{" + Base + ",'msgtype':'text','text':{'content':' 婚假几天 '},'conversationType':'2','senderStaffId':'s1','chatbotUserId':'b1','robotCode':'r1','sessionWebhook':'https://oapi/x','sessionWebhookExpiredTime':1700000000000,'senderNick':'Bob'}",
        "m1|text|婚假几天|Group|c1|s1|s1|b1|r1|https://oapi/x|1700000000000|Bob")]
    [InlineData("{" + Base + ",'msgtype':'text','text':{'content':'hi'},'conversationType':'1','senderStaffId':''}", "m1|text|hi|Direct|c1|$:LWCP_v1:$abc|-|-|-|-|-|-")]
    [InlineData("{" + Base + ",'msgtype':'text','text':{'content':'hi'},'conversationType':2}", "m1|text|hi|Direct|c1|$:LWCP_v1:$abc|-|-|-|-|-|-")]
    [InlineData("{" + Base + ",'msgtype':'text','text':'hi'}", "m1|text|-|Direct|c1|$:LWCP_v1:$abc|-|-|-|-|-|-")]
    [InlineData("{" + Base + ",'msgtype':'text','text':{'content':5},'robotCode':7,'senderStaffId':8}", "m1|text|-|Direct|c1|$:LWCP_v1:$abc|-|-|-|-|-|-")]
    [InlineData("{" + Base + ",'errorCode':20001}", "m1|error|-|Direct|c1|$:LWCP_v1:$abc|-|-|-|-|-|-")]
    [InlineData("{" + Base + ",'errorCode':null}", "m1|error|-|Direct|c1|$:LWCP_v1:$abc|-|-|-|-|-|-")]
    [InlineData("{" + Base + "}", "m1|unknownMsgType|-|Direct|c1|$:LWCP_v1:$abc|-|-|-|-|-|-")]
    [InlineData("{" + Base + ",'msgtype':'audio','content':{'recognition':' 年假 ','duration':3}}", "m1|audio|年假|Direct|c1|$:LWCP_v1:$abc|-|-|-|-|-|-")]
    [InlineData("{" + Base + ",'msgtype':'audio','content':{'recognition':''}}", "m1|audio|-|Direct|c1|$:LWCP_v1:$abc|-|-|-|-|-|-")]
    [InlineData("{" + Base + ",'msgtype':'audio','content':'x'}", "m1|audio|-|Direct|c1|$:LWCP_v1:$abc|-|-|-|-|-|-")]
    [InlineData("{" + Base + ",'msgtype':'richText','content':{'richText':[{'text':'a'},{'downloadCode':'x','type':'picture'},5,{'text':7},{'text':' b '}]}}", "m1|richText|a b|Direct|c1|$:LWCP_v1:$abc|-|-|-|-|-|-")]
    [InlineData("{" + Base + ",'msgtype':'richText','content':{'richText':{'text':'a'}}}", "m1|richText|-|Direct|c1|$:LWCP_v1:$abc|-|-|-|-|-|-")]
    [InlineData("{" + Base + ",'msgtype':'richText','content':{'richText':[{'downloadCode':'x'}]}}", "m1|richText|-|Direct|c1|$:LWCP_v1:$abc|-|-|-|-|-|-")]
    [InlineData("{" + Base + ",'msgtype':'picture','content':{'downloadCode':'x'},'text':{'content':'ignored'}}", "m1|picture|-|Direct|c1|$:LWCP_v1:$abc|-|-|-|-|-|-")]
    [InlineData("{" + Base + ",'msgtype':'text','sessionWebhookExpiredTime':'1700000000000'}", "m1|text|-|Direct|c1|$:LWCP_v1:$abc|-|-|-|-|1700000000000|-")]
    [InlineData("{" + Base + ",'msgtype':'text','sessionWebhookExpiredTime':'17e11'}", "m1|text|-|Direct|c1|$:LWCP_v1:$abc|-|-|-|-|-|-")]
    [InlineData("{" + Base + ",'msgtype':'text','sessionWebhookExpiredTime':0}", "m1|text|-|Direct|c1|$:LWCP_v1:$abc|-|-|-|-|-|-")]
    [InlineData("{" + Base + ",'msgtype':'text','sessionWebhookExpiredTime':1.5}", "m1|text|-|Direct|c1|$:LWCP_v1:$abc|-|-|-|-|-|-")]
    [InlineData("{" + Base + ",'msgtype':'text','sessionWebhookExpiredTime':{}}", "m1|text|-|Direct|c1|$:LWCP_v1:$abc|-|-|-|-|-|-")]
    [InlineData("{'msgId':'m1','conversationId':'c1','msgtype':'text'}", "m1|text|-|Direct|c1||-|-|-|-|-|-")]
    [InlineData("{'msgId':'m1','msgId':'m2','conversationId':'c1'}", "m2|unknownMsgType|-|Direct|c1||-|-|-|-|-|-")]
    [InlineData("{'msgId':'m1','msgId':5,'conversationId':'c1'}", "null")]
    [InlineData("{'msgId':5,'conversationId':'c1'}", "null")]
    [InlineData("{'msgId':'','conversationId':'c1'}", "null")]
    [InlineData("{'msgId':'m1'}", "null")]
    [InlineData("['m1']", "null")]
    [InlineData("'m1'", "null")]
    [InlineData("{'msgId':'m1',", "null")]
    [InlineData("{'msgId':'m1','conversationId':'c1','a':[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]}", "null")]
    public void A_robot_message_is_read_as_documented_and_wrong_types_as_absent(string json, string expected) =>
        Assert.Equal(expected, Describe(DingTalkMessage.Parse(Encoding.UTF8.GetBytes(json.Replace('\'', '"')))));

    [Fact]
    public void A_string_of_invalid_utf8_is_not_a_message()
    {
        var json = Encoding.UTF8.GetBytes("{\"msgId\":\"m1\",\"conversationId\":\"c1\",\"senderNick\":\"\"}").ToList();
        json.InsertRange(json.Count - 2, [0xC3, 0x28]);
        Assert.Null(DingTalkMessage.Parse(json.ToArray()));
    }

    [Theory]
    [InlineData("{'specVersion':'1.0','type':'CALLBACK','headers':{'topic':'/v1.0/im/bot/messages/get','messageId':'f1'},'data':'{\\'a\\':1}'}", "CALLBACK|/v1.0/im/bot/messages/get|f1|{'a':1}")]
    [InlineData("{'type':'SYSTEM','header':{'topic':'ping','messageId':12},'data':{'opaque':'x'}}", "SYSTEM|ping|12|{'opaque':'x'}")]
    [InlineData("{'type':'SYSTEM','headers':{'topic':'disconnect'}}", "SYSTEM|disconnect|-|")]
    [InlineData("{'type':5,'headers':'x','data':7}", "5||-|7")]
    [InlineData("{'headers':{'topic':true,'messageId':null}}", "||-|")]
    [InlineData("{'headers':null,'header':{'topic':'ping'}}", "||-|")]
    [InlineData("[]", "null")]
    [InlineData("{'type':", "null")]
    public void A_stream_frame_is_read_tolerantly(string json, string expected)
    {
        var frame = StreamFrame.Parse(Encoding.UTF8.GetBytes(json.Replace('\'', '"')));
        Assert.Equal(expected.Replace('\'', '"'), frame is null ? "null" : $"{frame.Type}|{frame.Topic}|{frame.MessageId ?? "-"}|{frame.Data}");
    }

    private static string Describe(DingTalkMessage? m) => m is null
        ? "null"
        : string.Join('|', m.MsgId, m.MsgType, m.Text ?? "-", m.ChatKind, m.ConversationId, m.SenderId, m.SenderStaffId ?? "-", m.ChatbotUserId ?? "-",
            m.RobotCode ?? "-", m.SessionWebhook ?? "-", m.SessionWebhookExpiresAt?.ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-", m.SenderNick ?? "-");
}
