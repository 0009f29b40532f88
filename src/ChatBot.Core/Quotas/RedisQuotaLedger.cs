using System.Security.Cryptography;
using System.Text;
using StackExchange.Redis;

namespace ChatBot.Core.Quotas;

/// <summary>
/// One Lua script charges: the day counter (expiring at the next local midnight), the user's sliding burst window
/// (a sorted set of charge ids by time) and a charge record naming the day counter it counted in, so a retried
/// charge counts once and a refund gives back exactly what was charged, even across midnight.
/// </summary>
public sealed class RedisQuotaLedger(IConnectionMultiplexer redis) : IQuotaLedger
{
    private const long BurstWindowMs = 60_000;

    // KEYS: day counter, burst window, charge record.
    // ARGV: limit, day reset (unix ms), burst limit, now (unix ms), charge id, record expiry (unix ms).
    private const string ChargeScript = """
        if redis.call('EXISTS', KEYS[3]) == 1 then
          return {0, tonumber(redis.call('GET', KEYS[1]) or '0')}
        end
        local used = tonumber(redis.call('GET', KEYS[1]) or '0')
        if used >= tonumber(ARGV[1]) then return {1, used} end
        local burst = tonumber(ARGV[3])
        if burst > 0 then
          redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', tonumber(ARGV[4]) - 60000)
          if redis.call('ZCARD', KEYS[2]) >= burst then return {2, used} end
          redis.call('ZADD', KEYS[2], ARGV[4], ARGV[5])
          redis.call('PEXPIRE', KEYS[2], 60000)
        end
        used = redis.call('INCR', KEYS[1])
        redis.call('PEXPIREAT', KEYS[1], ARGV[2])
        redis.call('SET', KEYS[3], KEYS[1], 'PXAT', ARGV[6])
        return {0, used}
        """;

    // KEYS: charge record, burst window. ARGV: charge id. The day counter is the one the record names.
    private const string RefundScript = """
        local day = redis.call('GET', KEYS[1])
        if not day then return 0 end
        if tonumber(redis.call('GET', day) or '0') > 0 then redis.call('DECR', day) end
        redis.call('ZREM', KEYS[2], ARGV[1])
        redis.call('DEL', KEYS[1])
        return 1
        """;

    public async Task<QuotaCharge> TryChargeAsync(string user, string charge, QuotaDay day, int limit, int burstPerMinute, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        var id = Hash(charge);
        // The record outlives every retry of the message (the dedupe window is at most 7 days).
        var recordExpiry = day.ResetsAt.AddDays(8).ToUnixTimeMilliseconds();
        var result = (RedisResult[])(await redis.GetDatabase().ScriptEvaluateAsync(ChargeScript,
            [DayKey(user, day), BurstKey(user), ChargeKey(id)],
            [limit, day.ResetsAt.ToUnixTimeMilliseconds(), burstPerMinute, now.ToUnixTimeMilliseconds(), id, recordExpiry]))!;
        var verdict = (int)result[0] switch { 0 => QuotaVerdict.Charged, 1 => QuotaVerdict.OverDaily, _ => QuotaVerdict.OverBurst };
        return new QuotaCharge(verdict, (int)result[1]);
    }

    public async Task<bool> RefundAsync(string user, string charge, CancellationToken cancellationToken)
    {
        var id = Hash(charge);
        return (int)await redis.GetDatabase().ScriptEvaluateAsync(RefundScript, [ChargeKey(id), BurstKey(user)], [id]) == 1;
    }

    public async Task<int> UsedAsync(string user, QuotaDay day, CancellationToken cancellationToken) =>
        (int?)await redis.GetDatabase().StringGetAsync(DayKey(user, day)) ?? 0;

    public async Task ResetAsync(string user, QuotaDay day, CancellationToken cancellationToken) =>
        await redis.GetDatabase().KeyDeleteAsync([DayKey(user, day), BurstKey(user)]);

    private static RedisKey DayKey(string user, QuotaDay day) => $"chatbot:quota:d:{day.Key}:{Hash(user)}";

    private static RedisKey BurstKey(string user) => $"chatbot:quota:b:{Hash(user)}";

    private static RedisKey ChargeKey(string id) => $"chatbot:quota:c:{id}";

    // User ids and message ids are hashed in keys: a key listing should not be a directory of who asked the bot.
    private static string Hash(string value) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value))[..12]);
}
