using ChatBot.Core.Privacy;
using StackExchange.Redis;

namespace ChatBot.WeCom.LongConnection;

/// <summary>
/// WeCom allows one long connection per bot, and a second subscribe kicks the first: with several instances exactly
/// one may hold it. The holder keeps a Redis key with a short expiry and renews it well before it lapses; when the
/// holder dies the key expires and another instance takes it within seconds. Without Redis there is one instance,
/// which always holds it. StackExchange.Redis' lock calls do exactly this: take if free, extend or release only while
/// the value is still ours (an expired lease taken by another instance is theirs).
/// </summary>
internal sealed class ConnectionLease(IConnectionMultiplexer? redis, string botId, string owner)
{
    /// <summary>How long a lease lives without renewal: how long a dead holder keeps the bot before another takes over.</summary>
    public static readonly TimeSpan Length = TimeSpan.FromSeconds(10);

    private readonly RedisKey _key = "chatbot:wecom-lc:lease:" + LogId.Hash(botId);

    /// <summary>Takes the lease when free, or renews it when already ours.</summary>
    public async Task<bool> HoldAsync()
    {
        if (redis is null)
        {
            return true;
        }

        var database = redis.GetDatabase();
        return await database.LockTakeAsync(_key, owner, Length) || await database.LockExtendAsync(_key, owner, Length);
    }

    public async Task ReleaseAsync()
    {
        if (redis is not null)
        {
            await redis.GetDatabase().LockReleaseAsync(_key, owner);
        }
    }
}
