using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;
using Polly;

namespace ChatBot.Core.Replies;

/// <summary>
/// The shape every platform API pipeline shares: an overall timeout, jittered exponential retries decided by the
/// platform's own predicate (which reads its error codes and knows which calls are idempotent), a circuit breaker,
/// and a per-attempt timeout.
/// </summary>
public static class PlatformResilience
{
    public static IHttpClientBuilder AddPlatformResilience(this IHttpClientBuilder client, string name,
        Func<Outcome<HttpResponseMessage>, ValueTask<bool>> shouldRetry)
    {
        client.AddResilienceHandler(name, pipeline =>
        {
            pipeline.AddTimeout(TimeSpan.FromSeconds(30));
            pipeline.AddRetry(new HttpRetryStrategyOptions
            {
                MaxRetryAttempts = 3,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromMilliseconds(500),
                ShouldHandle = args => shouldRetry(args.Outcome),
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
