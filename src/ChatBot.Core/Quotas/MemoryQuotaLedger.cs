using System.Collections.Concurrent;

namespace ChatBot.Core.Quotas;

/// <summary>In-memory counters, exact under concurrency (compare-and-swap on each counter); one instance only.</summary>
internal sealed class MemoryQuotaLedger : IQuotaLedger
{
    private readonly ConcurrentDictionary<string, Counter> _counters = new(StringComparer.Ordinal);

    public Task<QuotaCharge> TryChargeAsync(string user, QuotaDay day, int limit, int burstPerMinute, DateTimeOffset now, CancellationToken cancellationToken)
    {
        Sweep(now);
        var daily = _counters.GetOrAdd(DayKey(user, day), _ => new Counter(day.ResetsAt));
        var burst = burstPerMinute > 0 ? _counters.GetOrAdd(MinuteKey(user, now), _ => new Counter(now.AddMinutes(2))) : null;
        lock (daily)
        {
            if (daily.Value >= limit)
            {
                return Task.FromResult(new QuotaCharge(QuotaVerdict.OverDaily, daily.Value));
            }

            if (burst is not null)
            {
                lock (burst)
                {
                    if (burst.Value >= burstPerMinute)
                    {
                        return Task.FromResult(new QuotaCharge(QuotaVerdict.OverBurst, daily.Value));
                    }

                    burst.Value++;
                }
            }

            daily.Value++;
            return Task.FromResult(new QuotaCharge(QuotaVerdict.Charged, daily.Value));
        }
    }

    public Task RefundAsync(string user, QuotaDay day, CancellationToken cancellationToken)
    {
        if (_counters.TryGetValue(DayKey(user, day), out var counter))
        {
            lock (counter)
            {
                counter.Value = Math.Max(0, counter.Value - 1);
            }
        }

        return Task.CompletedTask;
    }

    private void Sweep(DateTimeOffset now)
    {
        if (_counters.Count < 4096)
        {
            return;
        }

        foreach (var (key, counter) in _counters)
        {
            if (counter.Expires <= now)
            {
                _counters.TryRemove(key, out _);
            }
        }
    }

    private static string DayKey(string user, QuotaDay day) => $"d:{day.Key}:{user}";

    private static string MinuteKey(string user, DateTimeOffset now) => $"m:{now.ToUnixTimeSeconds() / 60}:{user}";

    private sealed class Counter(DateTimeOffset expires)
    {
        public int Value { get; set; }

        public DateTimeOffset Expires { get; } = expires;
    }
}
