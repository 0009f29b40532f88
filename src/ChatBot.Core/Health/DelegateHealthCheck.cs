using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ChatBot.Core.Health;

/// <summary>A health check whose answer is already known where the state lives (a token cache, a connection): read it.</summary>
public sealed class DelegateHealthCheck(Func<HealthCheckResult> read) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) => Task.FromResult(read());
}
