using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Threading.RateLimiting;
using StackExchange.Redis;

namespace ChatBot.Core.Replies;

/// <summary>
/// Outbound sends per conversation within the platform's documented rate (DingTalk: 20 a minute per group;
/// WeCom app: 30 a minute per member), so the bot is not throttled or, worse, silently dropped (wecom.md §5).
/// A send over the rate does not wait here: <see cref="PacingException"/> reschedules its job. Counted in memory for
/// one instance, in Redis when several share the queue — the platform's limit is the bot's, not each instance's.
/// </summary>
public interface ISendPacer
{
    /// <summary>Takes a permit for the conversation now, or throws <see cref="PacingException"/> saying when to come back.</summary>
    /// <param name="conversation">The platform and its conversation ("dingtalk:cid…"): each platform's limit is its own.</param>
    Task AcquireAsync(string conversation, int perMinute, CancellationToken cancellationToken);
}

internal sealed class MemorySendPacer : ISendPacer, IDisposable
{
    /// <summary>The platforms state their limits per minute.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    private const int Segments = 6;
    private readonly ConcurrentDictionary<int, PartitionedRateLimiter<string>> _byRate = new();

    public Task AcquireAsync(string conversation, int perMinute, CancellationToken cancellationToken)
    {
        var limiter = _byRate.GetOrAdd(perMinute, rate => PartitionedRateLimiter.Create<string, string>(key =>
            RateLimitPartition.GetSlidingWindowLimiter(key, _ => new SlidingWindowRateLimiterOptions
            {
                PermitLimit = rate,
                Window = Window,
                SegmentsPerWindow = Segments,
                QueueLimit = 0,
            })));
        using var lease = limiter.AttemptAcquire(conversation);
        if (!lease.IsAcquired)
        {
            throw new PacingException(lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : Window / Segments);
        }

        return Task.CompletedTask;
    }

    public void Dispose()
    {
        foreach (var limiter in _byRate.Values)
        {
            limiter.Dispose();
        }
    }
}

/// <summary>
/// A sliding-window log per conversation in a Redis sorted set, checked and taken in one script on Redis' own clock
/// (instances' clocks may differ). The key names the conversation by hash only.
/// </summary>
internal sealed class RedisSendPacer(IConnectionMultiplexer redis) : ISendPacer
{
    // KEYS: the conversation's log. ARGV: window (ms), limit, a unique member. Returns 0 (taken) or ms to wait.
    // replicate_commands: a no-op from Redis 5 on; before it, what lets a script write after reading TIME.
    private const string TakeScript = """
        if redis.replicate_commands then redis.replicate_commands() end
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        local window = tonumber(ARGV[1])
        redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
        if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[2]) then
          redis.call('ZADD', KEYS[1], now, ARGV[3])
          redis.call('PEXPIRE', KEYS[1], window)
          return 0
        end
        local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
        return math.max(1, tonumber(oldest[2]) + window - now)
        """;

    /// <summary>With Redis away the send is put off, not made: a send the log did not count could break the platform's limit.</summary>
    private static readonly TimeSpan RetryWhenRedisAway = TimeSpan.FromSeconds(5);

    public async Task AcquireAsync(string conversation, int perMinute, CancellationToken cancellationToken)
    {
        long wait;
        try
        {
            wait = (long)await redis.GetDatabase().ScriptEvaluateAsync(TakeScript, [Key(conversation)],
                [(long)MemorySendPacer.Window.TotalMilliseconds, perMinute, Guid.NewGuid().ToString("N")]);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            throw new PacingException(RetryWhenRedisAway);
        }

        if (wait > 0)
        {
            throw new PacingException(TimeSpan.FromMilliseconds(wait));
        }
    }

    private static RedisKey Key(string conversation) =>
        "chatbot:pace:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(conversation)));
}
