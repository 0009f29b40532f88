using ChatBot.Core.Replies;

namespace ChatBot.Tests.Core;

public sealed class SendPacerTests
{
    [Fact]
    public async Task A_conversation_over_its_rate_is_told_when_to_come_back_while_others_go_on()
    {
        using var pacer = new MemorySendPacer();
        for (var i = 0; i < 3; i++)
        {
            await pacer.AcquireAsync("dingtalk:group-a", 3, CancellationToken.None);
        }

        var paced = await Assert.ThrowsAsync<PacingException>(() => pacer.AcquireAsync("dingtalk:group-a", 3, CancellationToken.None));
        await pacer.AcquireAsync("dingtalk:group-b", 3, CancellationToken.None);
        await pacer.AcquireAsync("wecom-app:group-a", 3, CancellationToken.None);

        Assert.InRange(paced.RetryAfter, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1));
    }
}
