using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ChatBot.Core.Health;

/// <summary>
/// The tag of every check <c>/readyz</c> runs (Redis, the model, each long connection), and the one way a part
/// registers itself as such a check: an <see cref="IHealthCheck"/> resolved from the container, under its own name.
/// </summary>
public static class HealthTags
{
    public const string Ready = "ready";

    /// <summary>Registers the singleton <typeparamref name="T"/> (registered elsewhere) as a readiness check named <paramref name="name"/>.</summary>
    public static IServiceCollection AddReadinessCheck<T>(this IServiceCollection services, string name)
        where T : class, IHealthCheck
    {
        services.AddHealthChecks().Add(new HealthCheckRegistration(name, provider => provider.GetRequiredService<T>(), HealthStatus.Unhealthy, [Ready]));
        return services;
    }

    /// <summary>A part's own verdict (a long connection's <c>Check()</c>) as the framework's result.</summary>
    public static Task<HealthCheckResult> Result((bool Ok, string Detail) state) =>
        Task.FromResult(state.Ok ? HealthCheckResult.Healthy(state.Detail) : HealthCheckResult.Unhealthy(state.Detail));
}
