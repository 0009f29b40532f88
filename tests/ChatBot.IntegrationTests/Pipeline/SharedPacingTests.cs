using ChatBot.Core.Replies;
using ChatBot.IntegrationTests.Infrastructure;
using StackExchange.Redis;

namespace ChatBot.IntegrationTests.Pipeline;

/// <summary>A conversation's send rate is the platform's limit for the bot, so instances on one Redis share it.</summary>
public sealed class SharedPacingTests
{
    [Fact]
    public async Task Two_instances_on_one_redis_share_a_conversations_rate_and_name_it_by_hash_only()
    {
        var redis = RedisServer.IsolatedDatabase();
        using var first = await ConnectionMultiplexer.ConnectAsync(redis);
        using var second = await ConnectionMultiplexer.ConnectAsync(redis);
        var (a, b) = (new RedisSendPacer(first), new RedisSendPacer(second));

        await a.AcquireAsync("dingtalk:cid-group-7", 3, CancellationToken.None);
        await b.AcquireAsync("dingtalk:cid-group-7", 3, CancellationToken.None);
        await a.AcquireAsync("dingtalk:cid-group-7", 3, CancellationToken.None);
        var paced = await Assert.ThrowsAsync<PacingException>(() => b.AcquireAsync("dingtalk:cid-group-7", 3, CancellationToken.None));
        await b.AcquireAsync("dingtalk:cid-group-8", 3, CancellationToken.None); // another conversation goes on

        Assert.InRange(paced.RetryAfter, TimeSpan.FromMilliseconds(1), TimeSpan.FromMinutes(1));
        var keys = await RedisServer.DumpAsync(redis);
        Assert.NotEmpty(keys);
        Assert.DoesNotContain(keys, k => k.Contains("cid-group", StringComparison.Ordinal));
    }

    [Fact]
    public async Task With_redis_away_a_send_is_put_off_not_made_uncounted()
    {
        using var gone = await ConnectionMultiplexer.ConnectAsync("127.0.0.1:1,abortConnect=false,connectTimeout=200,syncTimeout=200,asyncTimeout=200");
        var pacer = new RedisSendPacer(gone);

        var paced = await Assert.ThrowsAsync<PacingException>(() => pacer.AcquireAsync("dingtalk:cid-group-7", 20, CancellationToken.None));

        Assert.True(PartDelivery.ProvesNotDelivered(paced), "the part is not recorded as attempted: it is sent when Redis is back");
    }
}
