using StackExchange.Redis;

namespace ChatBot.Host.Hosting;

/// <summary>
/// Warns at start when Redis keeps nothing on disk: a Redis restart would then lose every queued message that was
/// already acknowledged to the platform. The queue holds only ciphertext, so persistence costs the privacy promise
/// nothing; deploy/ runs Redis with the append-only file on.
/// </summary>
internal sealed partial class RedisPersistenceCheck(ConfigurationOptions redis, ILogger<RedisPersistenceCheck> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            var facts = await InspectAsync(redis);
            if (!facts.AppendOnly)
            {
                LogNotPersisting(logger, facts.RdbSnapshots switch
                {
                    true => "only RDB snapshots, losing what came since the last one",
                    false => "nothing (no RDB snapshots either: save is empty)",
                    null => "at most RDB snapshots (CONFIG GET save was refused, so which is not known)",
                });
            }
            else
            {
                LogPersisting(logger);
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogUnknown(logger, ex.GetType().Name);
        }
    }

    /// <summary>What Redis says of itself (its version, and what it keeps on disk), for this check and for doctor.</summary>
    public static async Task<RedisFacts> InspectAsync(ConfigurationOptions redis)
    {
        // INFO is an admin command to StackExchange.Redis: one short-lived admin connection asks, then closes.
        var admin = redis.Clone();
        admin.AllowAdmin = true;
        admin.AbortOnConnectFail = true;
        admin.ConnectTimeout = 5000;
        await using var connection = await ConnectionMultiplexer.ConnectAsync(admin);
        var server = connection.GetServers().First();
        var info = (await server.InfoAsync()).SelectMany(g => g).ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
        // Whether Redis snapshots is its "save" setting: INFO's rdb_last_save_time is set at start even when it never
        // saves. Managed Redis services may refuse CONFIG; then it is not known.
        bool? snapshots;
        try
        {
            snapshots = (await server.ConfigGetAsync("save")).Any(p => p.Key == "save" && !string.IsNullOrWhiteSpace(p.Value));
        }
        catch (RedisServerException)
        {
            snapshots = null;
        }

        return new RedisFacts(info.GetValueOrDefault("redis_version") ?? "?", info.GetValueOrDefault("aof_enabled") == "1", snapshots);
    }

    [LoggerMessage(EventId = 1410, Level = LogLevel.Warning,
        Message = "Redis does not write an append-only file (appendonly no): a Redis restart keeps {Kept}, and queued messages already acknowledged to the platforms would be lost. Run Redis with --appendonly yes (deploy/ does).")]
    private static partial void LogNotPersisting(ILogger logger, string kept);

    [LoggerMessage(EventId = 1411, Level = LogLevel.Information, Message = "Redis persists to its append-only file: queued messages survive a Redis restart")]
    private static partial void LogPersisting(ILogger logger);

    [LoggerMessage(EventId = 1412, Level = LogLevel.Warning, Message = "Could not tell whether Redis persists ({ErrorType}); queued messages survive a Redis restart only with appendonly yes")]
    private static partial void LogUnknown(ILogger logger, string errorType);
}

/// <param name="RdbSnapshots">Redis saves RDB snapshots (a restart keeps what came before the last one); null when it would not say.</param>
internal sealed record RedisFacts(string Version, bool AppendOnly, bool? RdbSnapshots);
