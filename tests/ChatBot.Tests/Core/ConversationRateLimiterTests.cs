using System.Diagnostics;
using ChatBot.Core.Replies;

namespace ChatBot.Tests.Core;

public sealed class ConversationRateLimiterTests
{
    [Fact]
    public async Task A_conversation_over_its_rate_waits_while_others_go_on()
    {
        using var limiter = new ConversationRateLimiter(perMinute: 3);
        for (var i = 0; i < 3; i++)
        {
            await limiter.WaitAsync("group-a", CancellationToken.None);
        }

        var fourth = limiter.WaitAsync("group-a", CancellationToken.None);
        var watch = Stopwatch.StartNew();
        await limiter.WaitAsync("group-b", CancellationToken.None);

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(1), "another conversation is not held up");
        await Task.Delay(300);
        Assert.False(fourth.IsCompleted, "the fourth message in a minute waits its turn");
    }
}
