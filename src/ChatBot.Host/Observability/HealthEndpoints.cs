using System.Diagnostics;
using System.Text.Json;
using ChatBot.Core.Health;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace ChatBot.Host.Observability;

/// <summary>
/// Health on ASP.NET Core's health-check framework. <c>/healthz</c>: the process is alive (no check runs).
/// <c>/readyz</c>: it can take messages in — every check tagged <c>ready</c> passes: Redis (when configured), the
/// model, each long connection. The answer names each check with its status and a detail for people, never a secret.
/// </summary>
internal static class HealthEndpoints
{
    public const string ReadyTag = "ready";

    public static IHostApplicationBuilder AddHealth(this IHostApplicationBuilder builder)
    {
        builder.Services.AddHealthChecks().AddCheck<RedisHealthCheck>("redis", tags: [ReadyTag]);
        // The parts' own readiness (model, long connections) joins the framework, one check each, under its own name.
        builder.Services.AddSingleton<IConfigureOptions<HealthCheckServiceOptions>, ReadinessRegistrations>();
        return builder;
    }

    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder app)
    {
        app.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = _ => false, ResponseWriter = (context, _) => context.Response.WriteAsync("ok") });
        app.MapHealthChecks("/readyz", new HealthCheckOptions { Predicate = check => check.Tags.Contains(ReadyTag), ResponseWriter = WriteAsync });
        return app;
    }

    private static Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json; charset=utf-8";
        return context.Response.WriteAsync(JsonSerializer.Serialize(new
        {
            ready = report.Status != HealthStatus.Unhealthy,
            status = report.Status.ToString(),
            checks = report.Entries.ToDictionary(e => e.Key, e => e.Value.Description ?? e.Value.Status.ToString()),
        }));
    }

    /// <summary>Redis answers a PING within 2 s; skipped (healthy) when Redis is not configured.</summary>
    private sealed class RedisHealthCheck(IServiceProvider services) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            if (services.GetService<IConnectionMultiplexer>() is not { } redis)
            {
                return HealthCheckResult.Healthy("not configured (memory storage)");
            }

            try
            {
                var started = Stopwatch.GetTimestamp();
                await redis.GetDatabase().PingAsync().WaitAsync(TimeSpan.FromSeconds(2), cancellationToken);
                return HealthCheckResult.Healthy($"ok ({Stopwatch.GetElapsedTime(started).TotalMilliseconds:F1} ms)");
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                return HealthCheckResult.Unhealthy("unavailable: " + ex.GetType().Name);
            }
        }
    }

    private sealed class ReadinessRegistrations(IEnumerable<IReadinessCheck> checks) : IConfigureOptions<HealthCheckServiceOptions>
    {
        public void Configure(HealthCheckServiceOptions options)
        {
            foreach (var check in checks)
            {
                options.Registrations.Add(new HealthCheckRegistration(check.Name, _ => new DelegateHealthCheck(() =>
                {
                    var (ok, detail) = check.Check();
                    return ok ? HealthCheckResult.Healthy(detail) : HealthCheckResult.Unhealthy(detail);
                }), HealthStatus.Unhealthy, [ReadyTag]));
            }
        }
    }
}
