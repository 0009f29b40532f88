using StackExchange.Redis;

namespace ChatBot.Host.Hosting;

/// <summary>Section <c>Redis</c>. Empty: everything stays in process memory (one instance).</summary>
internal sealed class RedisOptions
{
    public const string Section = "Redis";

    /// <summary>A StackExchange.Redis connection string, e.g. <c>127.0.0.1:6379</c>. May hold a password: environment only.</summary>
    public string ConnectionString { get; set; } = "";

    public bool Enabled => !string.IsNullOrWhiteSpace(ConnectionString);
}

internal static class RedisRegistration
{
    public static RedisOptions AddRedis(this IHostApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection(RedisOptions.Section).Get<RedisOptions>() ?? new RedisOptions();
        if (!options.Enabled)
        {
            return options;
        }

        ConfigurationOptions parsed;
        try
        {
            parsed = ConfigurationOptions.Parse(options.ConnectionString);
        }
        catch (ArgumentException ex)
        {
            throw new InvalidOperationException($"Redis:ConnectionString is not a valid StackExchange.Redis connection string: {ex.Message}", ex);
        }

        // Start even while Redis is down: readiness reports it, intake answers 503 so platforms retry,
        // and the multiplexer reconnects by itself when Redis returns.
        parsed.AbortOnConnectFail = false;
        parsed.ConnectTimeout = 2000;
        parsed.SyncTimeout = 2000;
        parsed.AsyncTimeout = 2000;
        parsed.ClientName = "chatbot";
        builder.Services.AddSingleton(parsed);
        builder.Services.AddSingleton<IConnectionMultiplexer>(_ => ConnectionMultiplexer.Connect(parsed));
        return options;
    }
}
