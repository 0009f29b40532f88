using System.Net;
using ChatBot.IntegrationTests.Infrastructure;

namespace ChatBot.IntegrationTests.Pipeline;

public sealed class RedisOutageTests
{
    [Fact]
    public async Task Redis_going_away_is_reported_answered_with_503_and_recovered_from()
    {
        using var redis = RedisServer.StartOwn();
        using var app = new ChatBotApp().WithRecordingQueue()
            .With("Redis:ConnectionString", redis.Endpoint)
            .With("Queue:EnvelopeKey", Convert.ToBase64String(new byte[32]));
        var client = app.Start();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(new Uri("/readyz", UriKind.Relative))).StatusCode);

        redis.Stop();
        var ready = await client.GetAsync(new Uri("/readyz", UriKind.Relative));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Contains("redis", await ready.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var during = PlatformCallbacks.DingTalk("outage-1", "question during the outage");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await client.PostAsync(during)).StatusCode);
        Assert.Empty(app.Queue!.Queued);

        redis.Start();
        var recovered = false;
        for (var i = 0; i < 100 && !recovered; i++)
        {
            await Task.Delay(200);
            recovered = (await client.GetAsync(new Uri("/readyz", UriKind.Relative))).StatusCode == HttpStatusCode.OK;
        }

        Assert.True(recovered, "readiness recovers by itself");
        // The platform's retry of the same message is taken in now: nothing was lost.
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync(during)).StatusCode);
        Assert.Single(app.Queue.Queued);
    }
}
