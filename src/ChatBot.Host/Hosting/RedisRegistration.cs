using ChatBot.Core.Configuration;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace ChatBot.Host.Hosting;

internal static class RedisRegistration
{
    public static RedisOptions AddRedis(this IHostApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection(RedisOptions.Section).Get<RedisOptions>() ?? new RedisOptions();
        if (!options.Enabled)
        {
            return options;
        }

        // A bad string is reported with every other setting's problem at start (RedisOptionsValidator), not thrown here alone.
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
