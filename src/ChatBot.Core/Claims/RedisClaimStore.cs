using System.Security.Cryptography;
using System.Text;
using StackExchange.Redis;

namespace ChatBot.Core.Claims;

/// <summary>
/// Claims as one Redis string per message, <c>p:owner</c> (pending) or <c>a:owner</c> (accepted), each transition
/// one Lua script so instances sharing Redis see one order of events. A value of any other shape (the plain
/// <c>1</c> earlier versions wrote) counts as accepted.
/// </summary>
internal sealed class RedisClaimStore(IConnectionMultiplexer redis) : IClaimStore
{
    private const string ClaimScript = """
        local v = redis.call('GET', KEYS[1])
        if not v then
          redis.call('SET', KEYS[1], 'p:' .. ARGV[1], 'PX', ARGV[2])
          return 0
        end
        if string.sub(v, 1, 2) == 'p:' then return 1 end
        return 2
        """;

    private const string AcceptScript = """
        local v = redis.call('GET', KEYS[1])
        if v == 'p:' .. ARGV[1] or v == 'a:' .. ARGV[1] then
          redis.call('SET', KEYS[1], 'a:' .. ARGV[1], 'PX', ARGV[2])
          return 1
        end
        return 0
        """;

    private const string ReleaseScript = """
        local v = redis.call('GET', KEYS[1])
        if v == 'p:' .. ARGV[1] then
          redis.call('DEL', KEYS[1])
          return 0
        end
        if v == 'a:' .. ARGV[1] then return 1 end
        return 2
        """;

    public async ValueTask<ClaimState> TryClaimAsync(string key, string owner, TimeSpan pendingTtl, CancellationToken cancellationToken) =>
        (int)await redis.GetDatabase().ScriptEvaluateAsync(ClaimScript, [RedisKey(key)], [owner, (long)pendingTtl.TotalMilliseconds]) switch
        {
            0 => ClaimState.Claimed,
            1 => ClaimState.InProgress,
            _ => ClaimState.Accepted,
        };

    public async ValueTask<bool> AcceptAsync(string key, string owner, TimeSpan acceptedTtl, CancellationToken cancellationToken) =>
        (int)await redis.GetDatabase().ScriptEvaluateAsync(AcceptScript, [RedisKey(key)], [owner, (long)acceptedTtl.TotalMilliseconds]) == 1;

    public async ValueTask<ReleaseOutcome> ReleaseAsync(string key, string owner, CancellationToken cancellationToken) =>
        (int)await redis.GetDatabase().ScriptEvaluateAsync(ReleaseScript, [RedisKey(key)], [owner]) switch
        {
            0 => ReleaseOutcome.Released,
            1 => ReleaseOutcome.AlreadyAccepted,
            _ => ReleaseOutcome.NotOwned,
        };

    // Hashed: message ids are opaque platform data, and a fixed-length key keeps Redis memory predictable.
    internal static RedisKey RedisKey(string key) =>
        "chatbot:dedupe:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));
}
