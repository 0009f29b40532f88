using System.Net;
using ChatBot.Host.Cli;
using ChatBot.IntegrationTests.Infrastructure;

namespace ChatBot.IntegrationTests.Callbacks;

/// <summary>
/// Correctly signed and encrypted AI-bot callbacks whose decrypted JSON has fields of the wrong type or a lone
/// surrogate escape: each is malformed input (400), never a 500 that the platform would retry forever.
/// </summary>
public sealed class MalformedInnerJsonTests : IDisposable
{
    private readonly ChatBotApp _app = new ChatBotApp().WithRecordingQueue();
    private readonly HttpClient _client;

    public MalformedInnerJsonTests() => _client = _app.Start();

    public void Dispose() => _app.Dispose();

    [Theory]
    [InlineData("""{"msgid":"m1","aibotid":"b","chattype":"single","from":{"userid":"u"},"response_url":"https://x","msgtype":"mixed","mixed":"not an object"}""")]
    [InlineData("""{"msgid":"m2","aibotid":"b","chattype":"single","from":{"userid":"u"},"response_url":"https://x","msgtype":"mixed","mixed":{"msg_item":[{"msgtype":"text","text":"flat"}]}}""")]
    [InlineData("""{"msgid":"m3","aibotid":"b","chattype":"single","from":"u","response_url":"https://x","msgtype":"text","text":{"content":"hi"}}""")]
    [InlineData("""{"msgid":"m4","aibotid":7,"chattype":"single","from":{"userid":"u"},"response_url":"https://x","msgtype":"text","text":{"content":"hi"}}""")]
    [InlineData("""{"msgid":"m5","aibotid":"b","chattype":"single","from":{"userid":"u"},"response_url":"https://x","msgtype":"text","text":["hi"]}""")]
    [InlineData("""{"msgid":"\ud800","aibotid":"b","chattype":"single","from":{"userid":"u"},"response_url":"https://x","msgtype":"text","text":{"content":"hi"}}""")]
    [InlineData("""{"msgid":"m7","aibotid":"b","chattype":"single","from":{"userid":"u"},"response_url":"https://x","msgtype":"text","text":{"content":"a\udc00b"}}""")]
    [InlineData("""{"msgid":"m8","aibotid":"b","chattype":"single","from":{"userid":"u"},"response_url":"https://x","msgtype":"stream","stream":"s1"}""")]
    [InlineData("""{"msgid":"m9","aibotid":"b","chattype":"single","from":{"userid":"u"},"response_url":["https://x"],"msgtype":"text","text":{"content":"hi"}}""")]
    public async Task Wrong_types_and_lone_surrogates_are_malformed_input(string inner)
    {
        var callback = SimulatedCallback.WeComAiBotRaw(ChatBotApp.AiBotToken, ChatBotApp.AiBotKey, inner, DateTimeOffset.UtcNow);

        var response = await _client.PostAsync(callback);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Empty(_app.Queue!.Queued);
    }
}
