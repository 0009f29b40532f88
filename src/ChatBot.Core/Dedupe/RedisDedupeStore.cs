using System.Security.Cryptography;
using System.Text;
using StackExchange.Redis;

namespace ChatBot.Core.Dedupe;

/// <summary>Claims as Redis <c>SET key 1 NX PX ttl</c>: atomic across instances and survives restarts.</summary>
internal sealed class RedisDedupeStore(IConnectionMultiplexer redis) : IDedupeStore
{
    public async ValueTask<bool> TryClaimAsync(string key, TimeSpan ttl, CancellationToken cancellationToken) =>
        await redis.GetDatabase().StringSetAsync(RedisKey(key), 1, ttl, When.NotExists);

    public async ValueTask ReleaseAsync(string key, CancellationToken cancellationToken) =>
        await redis.GetDatabase().KeyDeleteAsync(RedisKey(key));

    // Hashed: message ids are opaque platform data, and a fixed-length key keeps Redis memory predictable.
    private static RedisKey RedisKey(string key) =>
        "chatbot:dedupe:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));
}
