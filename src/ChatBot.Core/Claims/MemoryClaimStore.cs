namespace ChatBot.Core.Claims;

/// <summary>In-memory claims with expiry; the default for a single instance.</summary>
internal sealed class MemoryClaimStore(TimeProvider clock) : IClaimStore
{
    // Expired entries are swept every so many claims, so memory stays bounded without a timer.
    private const int SweepEvery = 1024;
    private readonly Dictionary<string, Claim> _claims = new(StringComparer.Ordinal);
    private int _sinceSweep;

    public ValueTask<ClaimState> TryClaimAsync(string key, string owner, TimeSpan pendingTtl, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        lock (_claims)
        {
            if (++_sinceSweep >= SweepEvery)
            {
                _sinceSweep = 0;
                foreach (var expired in _claims.Where(c => c.Value.Expires <= now).Select(c => c.Key).ToList())
                {
                    _claims.Remove(expired);
                }
            }

            if (_claims.TryGetValue(key, out var claim) && claim.Expires > now)
            {
                return ValueTask.FromResult(claim.Accepted ? ClaimState.Accepted : ClaimState.InProgress);
            }

            _claims[key] = new Claim(owner, Accepted: false, now + pendingTtl);
            return ValueTask.FromResult(ClaimState.Claimed);
        }
    }

    public ValueTask<bool> AcceptAsync(string key, string owner, TimeSpan acceptedTtl, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        lock (_claims)
        {
            if (!_claims.TryGetValue(key, out var claim) || claim.Expires <= now || claim.Owner != owner)
            {
                return ValueTask.FromResult(false);
            }

            _claims[key] = claim with { Accepted = true, Expires = now + acceptedTtl };
            return ValueTask.FromResult(true);
        }
    }

    public ValueTask<ReleaseOutcome> ReleaseAsync(string key, string owner, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        lock (_claims)
        {
            if (!_claims.TryGetValue(key, out var claim) || claim.Expires <= now || claim.Owner != owner)
            {
                return ValueTask.FromResult(ReleaseOutcome.NotOwned);
            }

            if (claim.Accepted)
            {
                return ValueTask.FromResult(ReleaseOutcome.AlreadyAccepted);
            }

            _claims.Remove(key);
            return ValueTask.FromResult(ReleaseOutcome.Released);
        }
    }

    private readonly record struct Claim(string Owner, bool Accepted, DateTimeOffset Expires);
}
