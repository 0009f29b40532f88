using System.Diagnostics;
using ChatBot.Core.Health;
using StackExchange.Redis;

namespace ChatBot.Host.Observability;

/// <summary>
/// <c>/healthz</c>: the process is alive. <c>/readyz</c>: it can take messages in — Redis answers (when
/// configured) and every registered readiness check passes. Platforms are pointed at neither.
/// </summary>
internal static class HealthEndpoints
{
    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", () => Results.Text("ok"));
        app.MapGet("/readyz", async (IServiceProvider services, CancellationToken cancellationToken) =>
        {
            var checks = new Dictionary<string, string>(StringComparer.Ordinal);
            var ready = true;
            if (services.GetService<IConnectionMultiplexer>() is { } redis)
            {
                try
                {
                    var started = Stopwatch.GetTimestamp();
                    await redis.GetDatabase().PingAsync().WaitAsync(TimeSpan.FromSeconds(2), cancellationToken);
                    checks["redis"] = $"ok ({Stopwatch.GetElapsedTime(started).TotalMilliseconds:F1} ms)";
                }
                catch (Exception ex) when (ex is RedisException or TimeoutException)
                {
                    checks["redis"] = "unavailable: " + ex.GetType().Name;
                    ready = false;
                }
            }

            foreach (var check in services.GetServices<IReadinessCheck>())
            {
                var (ok, detail) = check.Check();
                checks[check.Name] = detail;
                ready &= ok;
            }

            return Results.Json(new { ready, checks }, statusCode: ready ? 200 : 503);
        });
        return app;
    }
}
