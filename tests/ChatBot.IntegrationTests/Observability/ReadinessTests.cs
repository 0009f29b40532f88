using System.Net;
using System.Text.Json;
using ChatBot.Host.Cli;
using ChatBot.IntegrationTests.Fakes;
using ChatBot.IntegrationTests.Infrastructure;
using ChatBot.IntegrationTests.Pipeline;

namespace ChatBot.IntegrationTests.Observability;

/// <summary><c>/readyz</c> on the health-check framework: every check by name with its status, and credentials as last verified.</summary>
public sealed class ReadinessTests
{
    [Fact]
    public async Task Readyz_names_each_check_and_a_refused_token_call_degrades_the_channel_without_taking_the_instance_out()
    {
        // DingTalk knows another secret than ours: every token call is refused.
        await using var dingtalk = new FakeDingTalk(ChatBotApp.DingTalkClientId, "the-secret-dingtalk-has");
        await dingtalk.StartAsync();
        using var app = new ChatBotApp().With("DingTalk:ApiBaseUrl", dingtalk.BaseUrl.ToString()).With("DingTalk:AllowedReplyHosts:0", "127.0.0.1")
            .With("Inference:WarmUp", "false");
        var client = app.Start();
        using (var fresh = JsonDocument.Parse(await client.GetStringAsync(new Uri("/readyz", UriKind.Relative))))
        {
            var checks = fresh.RootElement.GetProperty("checks");
            Assert.Equal("Healthy", fresh.RootElement.GetProperty("status").GetString());
            Assert.Contains("not verified yet", checks.GetProperty("dingtalk-credentials").GetString(), StringComparison.Ordinal);
            Assert.True(checks.TryGetProperty("model", out _));
            Assert.True(checks.TryGetProperty("redis", out _));
        }

        // The session webhook has expired: the answer goes through the OpenAPI, which needs a token.
        dingtalk.ExpireSession("s-expired");
        await client.PostAsync(SimulatedCallback.DingTalk(ChatBotApp.DingTalkSecret, "rz-1", "zhaoliu", "你好", null, DateTimeOffset.UtcNow,
            dingtalk.Webhook("s-expired"), ChatBotApp.DingTalkClientId));
        await QuotaIntakeTests.WaitUntil(() => app.Logs.Lines.Any(l => l.EventId is 1208 or 1202), 60);

        var ready = await client.GetAsync(new Uri("/readyz", UriKind.Relative));
        using var degraded = JsonDocument.Parse(await ready.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal("Degraded", degraded.RootElement.GetProperty("status").GetString());
        var detail = degraded.RootElement.GetProperty("checks").GetProperty("dingtalk-credentials").GetString()!;
        Assert.Contains("token call failed", detail, StringComparison.Ordinal);
        Assert.Contains("DingTalk:ClientSecret", detail, StringComparison.Ordinal);
        Assert.DoesNotContain(ChatBotApp.DingTalkSecret, detail, StringComparison.Ordinal);
    }
}
