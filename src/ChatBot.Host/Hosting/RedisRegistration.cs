using ChatBot.Core.Configuration;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace ChatBot.Host.Hosting;

/// <summary>Section <c>Redis</c>. Empty: everything stays in process memory (one instance).</summary>
internal sealed class RedisOptions
{
    public const string Section = "Redis";

    /// <summary>A StackExchange.Redis connection string, e.g. <c>127.0.0.1:6379</c>. May hold a password: environment only.</summary>
    public string ConnectionString { get; set; } = "";

    public bool Enabled => !string.IsNullOrWhiteSpace(ConnectionString);

    /// <summary>The parsed connection string, or the reason it does not parse.</summary>
    public (ConfigurationOptions? Parsed, string? Error) Parse()
    {
        if (Placeholder.Is(ConnectionString))
        {
            return (null, Placeholder.Message("Redis:ConnectionString", "Redis__ConnectionString"));
        }

        try
        {
            return (ConfigurationOptions.Parse(ConnectionString), null);
        }
        catch (ArgumentException ex)
        {
            return (null, $"Redis:ConnectionString is not a valid StackExchange.Redis connection string: {ex.Message}");
        }
    }
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

        // A bad string is reported with every other setting's problem at start (ValidateOnStart), not thrown here alone.
        builder.Services.AddOptions<RedisOptions>().Bind(builder.Configuration.GetSection(RedisOptions.Section))
            .Validate(o => o.Parse().Error is null, options.Parse().Error ?? "").ValidateOnStart();
        builder.Services.AddSingleton(_ =>
        {
            var parsed = options.Parse().Parsed ?? throw new InvalidOperationException(options.Parse().Error);
            // Start even while Redis is down: readiness reports it, intake answers 503 so platforms retry,
            // and the multiplexer reconnects by itself when Redis returns.
            parsed.AbortOnConnectFail = false;
            parsed.ConnectTimeout = 2000;
            parsed.SyncTimeout = 2000;
            parsed.AsyncTimeout = 2000;
            parsed.ClientName = "chatbot";
            return parsed;
        });
        builder.Services.AddSingleton<IConnectionMultiplexer>(provider => ConnectionMultiplexer.Connect(provider.GetRequiredService<ConfigurationOptions>()));
        return options;
    }
}
