using ChatBot.Core.Pipeline;
using ChatBot.Core.PlatformApi;
using ChatBot.Core.Queue;
using StackExchange.Redis;

namespace ChatBot.Tests.Core;

/// <summary>Every exception the answer job can meet, classed: retried only where a later attempt can succeed.</summary>
public sealed class JobFailureTests
{
    private static readonly Dictionary<string, Exception> Errors = new()
    {
        ["platform refused the request"] = new PlatformApiException("WeCom", "message/send errcode 40003", transient: false),
        ["platform busy"] = new PlatformApiException("WeCom", "message/send errcode 45009", transient: true),
        ["prompt over the context"] = new ArgumentException("The message is 900 tokens, too long for a sequence of 512"),
        ["prompt over the context, wrapped by the client"] = new InvalidOperationException("Local inference failed: too long", new ArgumentException("too long")),
        ["envelope sealed with another key"] = new EnvelopeException("sealed with another key"),
        ["not supported"] = new NotSupportedException(),
        ["malformed"] = new FormatException(),
        ["inference time-out"] = new TimeoutException("Local inference took longer than Inference:RequestTimeout"),
        ["connection refused"] = new HttpRequestException("connection refused"),
        ["broken pipe"] = new IOException("broken pipe"),
        ["redis unavailable"] = new RedisException("no connection is active"),
        ["engine full"] = new InvalidOperationException("llama_decode returned 1: a sequence is full"),
        ["engine shutting down"] = new ObjectDisposedException("LlamaEngine"),
        ["cancelled"] = new OperationCanceledException(),
        ["all causes permanent"] = new AggregateException(new ArgumentException("a"), new FormatException()),
        ["one cause transient"] = new AggregateException(new ArgumentException("a"), new TimeoutException()),
    };

    [Theory]
    [InlineData("platform refused the request", true)]
    [InlineData("platform busy", false)]
    [InlineData("prompt over the context", true)]
    [InlineData("prompt over the context, wrapped by the client", true)]
    [InlineData("envelope sealed with another key", true)]
    [InlineData("not supported", true)]
    [InlineData("malformed", true)]
    [InlineData("inference time-out", false)]
    [InlineData("connection refused", false)]
    [InlineData("broken pipe", false)]
    [InlineData("redis unavailable", false)]
    [InlineData("engine full", false)]
    [InlineData("engine shutting down", false)]
    [InlineData("cancelled", false)]
    [InlineData("all causes permanent", true)]
    [InlineData("one cause transient", false)]
    public void Each_failure_is_classed_permanent_or_transient(string failure, bool permanent) =>
        Assert.Equal(permanent, JobFailure.IsPermanent(Errors[failure]));

    [Fact]
    public void The_code_is_the_platforms_or_the_cause_the_client_wrapped()
    {
        Assert.Equal("message/send errcode 40003", JobFailure.Code(new PlatformApiException("WeCom", "message/send errcode 40003", false)));
        Assert.Equal("ArgumentException", JobFailure.Code(new InvalidOperationException("Local inference failed", new ArgumentException("x"))));
        Assert.Equal("TimeoutException", JobFailure.Code(new TimeoutException()));
    }
}
