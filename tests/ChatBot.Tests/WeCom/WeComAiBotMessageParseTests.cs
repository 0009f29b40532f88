using ChatBot.WeCom.Callbacks;

namespace ChatBot.Tests.WeCom;

/// <summary>
/// What a decrypted AI-bot callback is read as (wecom.md §2): the parts the bot reads must have their documented
/// types or the body is malformed (null, answered 400); fields it only passes on are read as absent when mistyped.
/// </summary>
public sealed class WeComAiBotMessageParseTests
{
    private const string Base = "'msgid':'m1','aibotid':'bot1','from':{'userid':'u1'}";

    [Theory]
    [InlineData("{" + Base + ",'chatid':'g1','chattype':'group','response_url':'https://qyapi/r','msgtype':'text','text':{'content':'@bot 婚假几天'}}", "m1|bot1|g1|Group|u1|https://qyapi/r|text|@bot 婚假几天|-|-")]
    [InlineData("{" + Base + ",'chattype':'single','msgtype':'text','text':{'content':''}}", "m1|bot1|-|Direct|u1|-|text||-|-")]
    [InlineData("{" + Base + ",'chattype':1,'msgtype':'text','text':{'content':5}}", "m1|bot1|-|Direct|u1|-|text|-|-|-")]
    [InlineData("{" + Base + ",'msgtype':'text','text':'hi'}", "null")]
    [InlineData("{" + Base + ",'msgtype':'text','text':null}", "m1|bot1|-|Direct|u1|-|text|-|-|-")]
    [InlineData("{" + Base + ",'msgtype':'image','text':'hi','image':{'url':'x'}}", "m1|bot1|-|Direct|u1|-|image|-|-|-")]
    [InlineData("{" + Base + ",'msgtype':'voice','voice':{'content':'年假'}}", "m1|bot1|-|Direct|u1|-|voice|年假|-|-")]
    [InlineData("{" + Base + ",'msgtype':'voice','voice':{'content':''}}", "m1|bot1|-|Direct|u1|-|voice|-|-|-")]
    [InlineData("{" + Base + ",'msgtype':'voice','voice':'x'}", "m1|bot1|-|Direct|u1|-|voice|-|-|-")]
    [InlineData("{" + Base + ",'msgtype':'mixed','mixed':{'msg_item':[{'msgtype':'text','text':{'content':'a'}},{'msgtype':'image','image':{'url':'x'}},{'msgtype':'text','text':{'content':'b'}}]}}", "m1|bot1|-|Direct|u1|-|mixed|a\nb|-|-")]
    [InlineData("{" + Base + ",'msgtype':'mixed','mixed':{'msg_item':[{'msgtype':'text','text':{'content':''}},{'msgtype':'text','text':{'content':'b'}},{'msgtype':'text','text':{}}]}}", "m1|bot1|-|Direct|u1|-|mixed|b|-|-")]
    [InlineData("{" + Base + ",'msgtype':'mixed','mixed':{'msg_item':[{'msgtype':'image'}]}}", "m1|bot1|-|Direct|u1|-|mixed|-|-|-")]
    [InlineData("{" + Base + ",'msgtype':'mixed','mixed':{}}", "m1|bot1|-|Direct|u1|-|mixed|-|-|-")]
    [InlineData("{" + Base + ",'msgtype':'mixed','mixed':{'msg_item':{}}}", "null")]
    [InlineData("{" + Base + ",'msgtype':'mixed','mixed':{'msg_item':[5]}}", "null")]
    [InlineData("{" + Base + ",'msgtype':'mixed','mixed':{'msg_item':[{'msgtype':'text','text':'a'}]}}", "null")]
    [InlineData("{" + Base + ",'msgtype':'mixed','mixed':{'msg_item':[{'msgtype':'text'}]}}", "null")]
    [InlineData("{" + Base + ",'msgtype':'mixed','mixed':'x'}", "null")]
    [InlineData("{" + Base + ",'msgtype':'stream','stream':{'id':'s1'}}", "m1|bot1|-|Direct|u1|-|stream|-|s1|-")]
    [InlineData("{" + Base + ",'msgtype':'stream','stream':{'id':5}}", "m1|bot1|-|Direct|u1|-|stream|-|-|-")]
    [InlineData("{" + Base + ",'msgtype':'stream','stream':'s1'}", "null")]
    [InlineData("{" + Base + ",'msgtype':'event','event':{'eventtype':'enter_chat'}}", "m1|bot1|-|Direct|u1|-|event|-|-|enter_chat")]
    [InlineData("{" + Base + ",'msgtype':'event','event':[]}", "null")]
    [InlineData("{'msgid':'m1','aibotid':5,'msgtype':'text'}", "null")]
    [InlineData("{'msgid':'m1','chatid':5,'msgtype':'text'}", "null")]
    [InlineData("{'msgid':'m1','response_url':5,'msgtype':'text'}", "null")]
    [InlineData("{'msgid':'m1','from':'u1','msgtype':'text'}", "null")]
    [InlineData("{'msgid':'m1','from':null,'aibotid':null,'msgtype':'text'}", "m1||-|Direct||-|text|-|-|-")]
    [InlineData("{'msgid':'m1','from':{'userid':7},'msgtype':'text'}", "m1||-|Direct||-|text|-|-|-")]
    [InlineData("{'msgid':'m1','msgtype':'text','msgid':'m2'}", "m2||-|Direct||-|text|-|-|-")]
    [InlineData("{'msgid':5,'msgtype':'text'}", "null")]
    [InlineData("{'msgid':'m1'}", "null")]
    [InlineData("{'msgid':'m1','msgtype':''}", "null")]
    [InlineData("[]", "null")]
    [InlineData("{'msgid':", "null")]
    [InlineData("{'msgid':'m1','msgtype':'text','x':[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]}", "null")]
    [InlineData("{'msgid':'m1','msgtype':'text','text':{'content':'\\ud800'}}", "null")]
    public void A_callback_is_read_as_documented(string json, string expected)
    {
        var m = WeComAiBotMessage.Parse(json.Replace('\'', '"'));
        Assert.Equal(expected, m is null
            ? "null"
            : string.Join('|', m.MsgId, m.AiBotId, m.ChatId ?? "-", m.ChatKind, m.UserId, m.ResponseUrl ?? "-", m.MsgType, m.Text ?? "-", m.StreamId ?? "-", m.EventType ?? "-"));
    }
}
