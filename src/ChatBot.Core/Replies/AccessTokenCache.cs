namespace ChatBot.Core.Replies;

/// <summary>
/// One platform access token, fetched once for all callers (one refresh at a time), renewed five minutes
/// before it expires, and dropped when the platform says it is no longer valid so the next call fetches anew.
/// </summary>
public sealed class AccessTokenCache(TimeProvider clock)
{
    private static readonly TimeSpan RenewBefore = TimeSpan.FromMinutes(5);
    private readonly SemaphoreSlim _refresh = new(1, 1);
    private (string Value, DateTimeOffset Expires)? _token;

    /// <param name="fetch">Gets a new token and its lifetime from the platform.</param>
    public async Task<string> GetAsync(Func<CancellationToken, Task<(string Token, TimeSpan Lifetime)>> fetch, CancellationToken cancellationToken)
    {
        if (Fresh() is { } cached)
        {
            return cached;
        }

        await _refresh.WaitAsync(cancellationToken);
        try
        {
            if (Fresh() is { } refreshed)
            {
                return refreshed;
            }

            var (token, lifetime) = await fetch(cancellationToken);
            _token = (token, clock.GetUtcNow() + lifetime);
            return token;
        }
        finally
        {
            _refresh.Release();
        }
    }

    /// <summary>Drops <paramref name="token"/> if it is still the cached one (another caller may have renewed it).</summary>
    public void Invalidate(string token)
    {
        if (_token?.Value == token)
        {
            _token = null;
        }
    }

    private string? Fresh() => _token is { } cached && cached.Expires - RenewBefore > clock.GetUtcNow() ? cached.Value : null;
}
