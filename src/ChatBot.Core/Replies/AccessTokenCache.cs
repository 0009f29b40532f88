using System.Net.Http;

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

            (string Token, TimeSpan Lifetime) fetched;
            try
            {
                fetched = await fetch(cancellationToken);
            }
            catch (Exception ex) when (ex is HttpRequestException or TimeoutException or Polly.Timeout.TimeoutRejectedException or TaskCanceledException
                                       && !cancellationToken.IsCancellationRequested)
            {
                // No token, so no message was sent: a failure that proves nothing was delivered, retried by the job.
                throw new PlatformApiException("token", ex.GetType().Name, transient: true);
            }

            _token = (fetched.Token, clock.GetUtcNow() + fetched.Lifetime);
            return fetched.Token;
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
