using System.Collections.Concurrent;

namespace ChatBot.Core.Dedupe;

/// <summary>In-memory claims with expiry; the default for a single instance.</summary>
internal sealed class MemoryDedupeStore(TimeProvider clock) : IDedupeStore
{
    // Expired entries are swept every so many claims, so memory stays bounded without a timer.
    private const int SweepEvery = 1024;
    private readonly ConcurrentDictionary<string, DateTimeOffset> _claims = new(StringComparer.Ordinal);
    private int _sinceSweep;

    public ValueTask<bool> TryClaimAsync(string key, TimeSpan ttl, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        if (Interlocked.Increment(ref _sinceSweep) >= SweepEvery)
        {
            Interlocked.Exchange(ref _sinceSweep, 0);
            Sweep(now);
        }

        var expires = now + ttl;
        while (true)
        {
            if (_claims.TryAdd(key, expires))
            {
                return ValueTask.FromResult(true);
            }

            if (!_claims.TryGetValue(key, out var existing))
            {
                continue;
            }

            if (existing > now)
            {
                return ValueTask.FromResult(false);
            }

            // Expired: take it over atomically, or lose the race to another claimer.
            if (_claims.TryUpdate(key, expires, existing))
            {
                return ValueTask.FromResult(true);
            }
        }
    }

    public ValueTask ReleaseAsync(string key, CancellationToken cancellationToken)
    {
        _claims.TryRemove(key, out _);
        return ValueTask.CompletedTask;
    }

    private void Sweep(DateTimeOffset now)
    {
        foreach (var (key, expires) in _claims)
        {
            if (expires <= now)
            {
                _claims.TryRemove(new KeyValuePair<string, DateTimeOffset>(key, expires));
            }
        }
    }
}
