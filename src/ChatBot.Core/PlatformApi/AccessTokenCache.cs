using System.Net.Http;

namespace ChatBot.Core.PlatformApi;

/// <summary>
/// One platform access token, fetched once for all callers (one refresh at a time), renewed five minutes
/// before it expires, and dropped when the platform says it is no longer valid so the next call fetches anew.
/// </summary>
public sealed class AccessTokenCache(TimeProvider clock)
{
    private static readonly TimeSpan RenewBefore = TimeSpan.FromMinutes(5);
    private readonly SemaphoreSlim _refresh = new(1, 1);
    private (string Value, DateTimeOffset Expires)? _token;
    private volatile TokenFetch? _last;

    /// <summary>The last token call: when, and what went wrong (null: it worked) — the channel's credentials last verified.</summary>
    public TokenFetch? LastFetch => _last;

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
            catch (PlatformApiException refused)
            {
                _last = new TokenFetch(clock.GetUtcNow(), refused.Code);
                throw;
            }
            catch (Exception ex) when (ex is HttpRequestException or TimeoutException or Polly.Timeout.TimeoutRejectedException or TaskCanceledException
                                       && !cancellationToken.IsCancellationRequested)
            {
                // No token, so no message was sent: a failure that proves nothing was delivered, retried by the job.
                _last = new TokenFetch(clock.GetUtcNow(), ex.GetType().Name);
                throw new PlatformApiException("token", ex.GetType().Name, transient: true);
            }

            _token = (fetched.Token, clock.GetUtcNow() + fetched.Lifetime);
            _last = new TokenFetch(clock.GetUtcNow(), null);
            return fetched.Token;
        }
        finally
        {
            _refresh.Release();
        }
    }

    /// <summary>
    /// One call with the cached token, made once more with a fresh token when the platform says the first was revoked
    /// or expired (each platform says it its own way: <paramref name="tokenRejected"/>). Every token-bearing call of
    /// every platform goes through here; the caller reads any other error from the result it gets back.
    /// </summary>
    /// <param name="token">The platform client's cached-token getter (fetches when none is cached).</param>
    public async Task<T> CallAsync<T>(Func<CancellationToken, Task<string>> token, Func<string, Task<T>> call, Func<T, bool> tokenRejected, CancellationToken cancellationToken)
    {
        var first = await token(cancellationToken);
        var result = await call(first);
        if (!tokenRejected(result))
        {
            return result;
        }

        (result as IDisposable)?.Dispose();
        Invalidate(first);
        return await call(await token(cancellationToken));
    }

    /// <summary>Drops <paramref name="token"/> if it is still the cached one (another caller may have renewed it).</summary>
    public void Invalidate(string token)
    {
        if (_token?.Value == token)
        {
            _token = null;
        }
    }

    /// <summary>A health check for the channel whose tokens this cache holds: degraded (not down: intake still works,
    /// replies wait and retry) while the last token call failed.</summary>
    public Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckResult Health(string settings) => _last switch
    {
        null => Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckResult.Healthy("credentials not verified yet: no token needed since start"),
        { Problem: null } ok => Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckResult.Healthy($"credentials verified {ok.At:yyyy-MM-ddTHH:mm:ssZ}"),
        { } failed => Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckResult.Degraded($"token call failed {failed.At:yyyy-MM-ddTHH:mm:ssZ}: {failed.Problem}; check {settings}"),
    };

    private string? Fresh() => _token is { } cached && cached.Expires - RenewBefore > clock.GetUtcNow() ? cached.Value : null;
}

/// <param name="Problem">The platform's code or the failure's type; null when the token came.</param>
public sealed record TokenFetch(DateTimeOffset At, string? Problem);
