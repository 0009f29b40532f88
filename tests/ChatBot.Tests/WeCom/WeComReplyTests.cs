using ChatBot.WeCom.Api;

namespace ChatBot.Tests.WeCom;

/// <summary>WeCom's errcode is read from whatever body came back; a body that is not WeCom's JSON has none.</summary>
public sealed class WeComReplyTests
{
    [Theory]
    [InlineData("{\"errcode\":45009,\"errmsg\":\"api freq out of limit\"}", 45009)]
    [InlineData("{\"errcode\":0,\"errmsg\":\"ok\"}", 0)]
    [InlineData("{\"errmsg\":\"ok\"}", null)]
    [InlineData("{\"errcode\":\"45009\"}", null)]
    [InlineData("{\"errcode\":1.5}", null)]
    [InlineData("{\"errcode\":null}", null)]
    [InlineData("", null)]
    [InlineData("null", null)]
    [InlineData("[45009]", null)]
    [InlineData("<html>502 Bad Gateway</html>", null)]
    [InlineData("{\"errcode\":45009", null)]
    public void The_errcode_is_the_number_WeCom_wrote_or_none(string body, int? errcode) =>
        Assert.Equal(errcode, WeComApiClient.ErrcodeIn(body));
}
