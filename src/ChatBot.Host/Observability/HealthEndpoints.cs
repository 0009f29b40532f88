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
/// While the model loads, <c>/readyz</c> answers 503 with status <c>Starting</c>: a normal start, not an error in the log.
/// </summary>
internal static class HealthEndpoints
{
    private const string ReadyTag = HealthTags.Ready;

    private const string StartingKey = "starting";
    private static readonly Dictionary<string, object> Starting = new() { [StartingKey] = true };

    /// <summary>
    /// A part on its way up (the model loading): healthy to the framework, so it logs no error for every probe of a
    /// normal start, and marked starting, so <c>/readyz</c> still answers 503.
    /// </summary>
    public static HealthCheckResult StartingUp(string detail) => HealthCheckResult.Healthy(detail, Starting);

    public static IHostApplicationBuilder AddHealth(this IHostApplicationBuilder builder)
    {
        // The parts' own checks (the model, each long connection) register themselves beside it (HealthTags).
        builder.Services.AddHealthChecks().AddCheck<RedisHealthCheck>("redis", tags: [ReadyTag]);
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
        // A part on its way up reports Healthy (so the framework logs no error per probe) marked as starting: not ready.
        var starting = report.Status != HealthStatus.Unhealthy && report.Entries.Values.Any(e => e.Data.ContainsKey(StartingKey));
        if (starting)
        {
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        }

        context.Response.ContentType = "application/json; charset=utf-8";
        return context.Response.WriteAsync(JsonSerializer.Serialize(new
        {
            ready = report.Status != HealthStatus.Unhealthy && !starting,
            status = starting ? "Starting" : report.Status.ToString(),
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
}
