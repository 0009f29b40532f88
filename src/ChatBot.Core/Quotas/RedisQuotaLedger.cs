using System.Security.Cryptography;
using System.Text;
using StackExchange.Redis;

namespace ChatBot.Core.Quotas;

/// <summary>
/// One Lua script does check + INCR + expiry (at the next local midnight) for the day, and the same for the
/// minute's burst counter, so instances sharing Redis never over-admit.
/// </summary>
internal sealed class RedisQuotaLedger(IConnectionMultiplexer redis) : IQuotaLedger
{
    // KEYS[1] day counter, KEYS[2] minute counter (or ""); ARGV: limit, reset-at (unix ms), burst limit, minute expiry (ms).
    private const string ChargeScript = """
        local used = tonumber(redis.call('GET', KEYS[1]) or '0')
        if used >= tonumber(ARGV[1]) then return {1, used} end
        local burst = tonumber(ARGV[3])
        if burst > 0 then
          local recent = tonumber(redis.call('GET', KEYS[2]) or '0')
          if recent >= burst then return {2, used} end
          redis.call('INCR', KEYS[2])
          redis.call('PEXPIRE', KEYS[2], ARGV[4])
        end
        used = redis.call('INCR', KEYS[1])
        redis.call('PEXPIREAT', KEYS[1], ARGV[2])
        return {0, used}
        """;

    private const string RefundScript = """
        local used = tonumber(redis.call('GET', KEYS[1]) or '0')
        if used > 0 then redis.call('DECR', KEYS[1]) end
        return used
        """;

    public async Task<QuotaCharge> TryChargeAsync(string user, QuotaDay day, int limit, int burstPerMinute, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var minute = now.ToUnixTimeSeconds() / 60;
        var result = (RedisResult[])(await redis.GetDatabase().ScriptEvaluateAsync(ChargeScript,
            [DayKey(user, day), $"chatbot:quota:m:{minute}:{Hash(user)}"],
            [limit, day.ResetsAt.ToUnixTimeMilliseconds(), burstPerMinute, 120_000]))!;
        var verdict = (int)result[0] switch { 0 => QuotaVerdict.Charged, 1 => QuotaVerdict.OverDaily, _ => QuotaVerdict.OverBurst };
        return new QuotaCharge(verdict, (int)result[1]);
    }

    public async Task RefundAsync(string user, QuotaDay day, CancellationToken cancellationToken) =>
        await redis.GetDatabase().ScriptEvaluateAsync(RefundScript, [DayKey(user, day)]);

    private static RedisKey DayKey(string user, QuotaDay day) => $"chatbot:quota:d:{day.Key}:{Hash(user)}";

    // User ids are hashed in keys: a key listing should not be a directory of who asked the bot.
    private static string Hash(string user) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(user))[..12]);
}
