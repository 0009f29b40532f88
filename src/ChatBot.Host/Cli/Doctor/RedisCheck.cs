using ChatBot.Host.Hosting;
using StackExchange.Redis;

namespace ChatBot.Host.Cli.Doctor;

/// <summary>Redis, when configured: reachable, its version, and whether it keeps acknowledged messages across a restart.</summary>
internal static class RedisCheck
{
    public static async Task<Finding> RunAsync(IServiceProvider services)
    {
        if (services.GetService<ConfigurationOptions>() is not { } options)
        {
            return new("redis", Verdict.Pass, "not configured: queue, dedupe and quotas in memory (one instance)");
        }

        try
        {
            var facts = await RedisPersistenceCheck.InspectAsync(options);
            return facts.AppendOnly
                ? new("redis", Verdict.Pass, $"reachable, version {facts.Version}, persists to its append-only file")
                : new("redis", Verdict.Warn, $"reachable, version {facts.Version}, but appendonly is off: acknowledged messages are lost if Redis restarts", "set appendonly yes (deploy/compose/docker-compose.yml does)");
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            return new("redis", Verdict.Fail, $"not reachable ({ex.GetType().Name})", "check Redis:ConnectionString and that Redis runs");
        }
    }
}
