using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;
using System.Net.Http;
using Polly;

namespace ChatBot.Core.PlatformApi;

/// <summary>
/// The shape every platform API pipeline shares: an overall timeout, jittered exponential retries decided by the
/// platform's own predicate (which reads its error codes and knows which calls are idempotent), a circuit breaker,
/// and a per-attempt timeout. The predicate is handed the request itself: after a timeout or a dropped connection
/// there is no response to tell which call it was. Redirects are never followed: a reply host on the allow-list
/// could otherwise send the bot, with its payload, anywhere — loopback included.
/// </summary>
public static class PlatformResilience
{
    public static IHttpClientBuilder AddPlatformResilience(this IHttpClientBuilder client, string name,
        Func<HttpRequestMessage?, Outcome<HttpResponseMessage>, ValueTask<bool>> shouldRetry)
    {
        client.ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        });
        client.AddResilienceHandler(name, pipeline =>
        {
            pipeline.AddTimeout(TimeSpan.FromSeconds(30));
            pipeline.AddRetry(new HttpRetryStrategyOptions
            {
                MaxRetryAttempts = 3,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromMilliseconds(500),
                ShouldHandle = args => shouldRetry(args.Context.GetRequestMessage(), args.Outcome),
            });
            pipeline.AddCircuitBreaker(new HttpCircuitBreakerStrategyOptions
            {
                FailureRatio = 0.5,
                MinimumThroughput = 20,
                SamplingDuration = TimeSpan.FromSeconds(30),
                BreakDuration = TimeSpan.FromSeconds(15),
            });
            pipeline.AddTimeout(TimeSpan.FromSeconds(8));
        });
        return client;
    }
}
