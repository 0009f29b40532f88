using ChatBot.DingTalk.Api;

namespace ChatBot.Tests.DingTalk;

/// <summary>The older host's errcode is read from whatever body came back; a body that is not DingTalk's JSON has none.</summary>
public sealed class DingTalkReplyTests
{
    [Theory]
    [InlineData("{\"errcode\":300001,\"errmsg\":\"session expired\"}", 300001)]
    [InlineData("{\"errcode\":0}", 0)]
    [InlineData("{\"errmsg\":\"ok\"}", null)]
    [InlineData("{\"errcode\":\"130101\"}", null)]
    [InlineData("", null)]
    [InlineData("null", null)]
    [InlineData("[130101]", null)]
    [InlineData("<html>502 Bad Gateway</html>", null)]
    [InlineData("{\"errcode\":130101", null)]
    public void The_errcode_is_the_number_DingTalk_wrote_or_none(string body, int? errcode) =>
        Assert.Equal(errcode, DingTalkApiClient.ErrcodeIn(body));
}
