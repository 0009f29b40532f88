using ChatBot.Core.Replies;

namespace ChatBot.Tests.Core;

public sealed class ConversationRateLimiterTests
{
    [Fact]
    public void A_conversation_over_its_rate_is_told_when_to_come_back_while_others_go_on()
    {
        using var limiter = new ConversationRateLimiter(perMinute: 3);
        for (var i = 0; i < 3; i++)
        {
            limiter.Acquire("group-a");
        }

        var paced = Assert.Throws<PacingException>(() => limiter.Acquire("group-a"));
        limiter.Acquire("group-b");

        Assert.InRange(paced.RetryAfter, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1));
    }
}
