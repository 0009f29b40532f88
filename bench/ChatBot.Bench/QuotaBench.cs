using System.Diagnostics;
using System.Text.Json;
using ChatBot.Core.Quotas;
using StackExchange.Redis;

namespace ChatBot.Bench;

/// <summary>
/// Quota checks per second on Redis (the Lua check + INCR + PEXPIREAT script, 64 in flight) beside plain INCR on
/// the same connection — the cost of atomicity over the cheapest Redis write. Rounds interleaved, medians.
/// </summary>
internal static class QuotaBench
{
    public static async Task<int> RunAsync(string[] args)
    {
        using var redis = await ConnectionMultiplexer.ConnectAsync(args[0]);
        var ledger = new RedisQuotaLedger(redis);
        var db = redis.GetDatabase();
        var day = QuotaDay.At(DateTimeOffset.UtcNow, TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai"));
        var ours = new List<double>();
        var peer = new List<double>();
        for (var round = 0; round < 3; round++)
        {
            ours.Add(await Measure(i => ledger.TryChargeAsync($"bench-user-{i % 5000}", $"bench-{round}-{i}", day, 1_000_000, 0, DateTimeOffset.UtcNow, CancellationToken.None)));
            peer.Add(await Measure(i => db.StringIncrementAsync($"bench:incr:{i % 5000}")));
        }

        Console.WriteLine(JsonSerializer.Serialize(new { quotaChecksPerSecond = ScreeningBench.Median(ours), plainIncrPerSecond = ScreeningBench.Median(peer) }));
        return 0;
    }

    private static async Task<double> Measure(Func<int, Task> operation)
    {
        var count = 0;
        var watch = Stopwatch.StartNew();
        var until = TimeSpan.FromSeconds(4);
        await Task.WhenAll(Enumerable.Range(0, 64).Select(async worker =>
        {
            while (watch.Elapsed < until)
            {
                await operation(Interlocked.Increment(ref count));
            }
        }));
        return count / watch.Elapsed.TotalSeconds;
    }
}
