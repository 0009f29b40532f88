namespace ChatBot.Core.Quotas;

/// <summary>In-memory counters with the same semantics as the Redis ledger; exact under concurrency (one lock); one instance only.</summary>
internal sealed class MemoryQuotaLedger : IQuotaLedger
{
    private static readonly TimeSpan BurstWindow = TimeSpan.FromMinutes(1);
    private readonly Dictionary<string, Counter> _days = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Dictionary<string, DateTimeOffset>> _bursts = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (string DayKey, string User, DateTimeOffset Expires)> _charges = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    public Task<QuotaCharge> TryChargeAsync(string user, string charge, QuotaDay day, int limit, int burstPerMinute, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            Sweep(now);
            var dayKey = $"{day.Key}:{user}";
            if (!_days.TryGetValue(dayKey, out var daily))
            {
                _days[dayKey] = daily = new Counter(day.ResetsAt);
            }

            if (_charges.ContainsKey(charge))
            {
                return Task.FromResult(new QuotaCharge(QuotaVerdict.Charged, daily.Value));
            }

            if (daily.Value >= limit)
            {
                return Task.FromResult(new QuotaCharge(QuotaVerdict.OverDaily, daily.Value));
            }

            if (burstPerMinute > 0)
            {
                if (!_bursts.TryGetValue(user, out var window))
                {
                    _bursts[user] = window = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
                }

                foreach (var old in window.Where(e => e.Value <= now - BurstWindow).Select(e => e.Key).ToList())
                {
                    window.Remove(old);
                }

                if (window.Count >= burstPerMinute)
                {
                    return Task.FromResult(new QuotaCharge(QuotaVerdict.OverBurst, daily.Value));
                }

                window[charge] = now;
            }

            daily.Value++;
            _charges[charge] = (dayKey, user, day.ResetsAt.AddDays(8));
            return Task.FromResult(new QuotaCharge(QuotaVerdict.Charged, daily.Value));
        }
    }

    public Task<int> UsedAsync(string user, QuotaDay day, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return Task.FromResult(_days.TryGetValue($"{day.Key}:{user}", out var daily) ? daily.Value : 0);
        }
    }

    public Task ResetAsync(string user, QuotaDay day, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            _days.Remove($"{day.Key}:{user}");
            _bursts.Remove(user);
            return Task.CompletedTask;
        }
    }

    public Task<bool> RefundAsync(string user, string charge, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (!_charges.Remove(charge, out var record))
            {
                return Task.FromResult(false);
            }

            if (_days.TryGetValue(record.DayKey, out var counter))
            {
                counter.Value = Math.Max(0, counter.Value - 1);
            }

            if (_bursts.TryGetValue(record.User, out var window))
            {
                window.Remove(charge);
            }

            return Task.FromResult(true);
        }
    }

    private void Sweep(DateTimeOffset now)
    {
        if (_days.Count + _charges.Count < 4096)
        {
            return;
        }

        foreach (var key in _days.Where(d => d.Value.Expires <= now).Select(d => d.Key).ToList())
        {
            _days.Remove(key);
        }

        foreach (var key in _charges.Where(c => c.Value.Expires <= now).Select(c => c.Key).ToList())
        {
            _charges.Remove(key);
        }

        foreach (var key in _bursts.Where(b => b.Value.Values.All(t => t <= now - BurstWindow)).Select(b => b.Key).ToList())
        {
            _bursts.Remove(key);
        }
    }

    private sealed class Counter(DateTimeOffset expires)
    {
        public int Value { get; set; }

        public DateTimeOffset Expires { get; } = expires;
    }
}
