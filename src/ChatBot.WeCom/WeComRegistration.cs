using ChatBot.Core.Health;
using ChatBot.Core.Knowledge.Access;
using ChatBot.Core.Messages;
using ChatBot.Core.Queue;
using ChatBot.WeCom.Api;
using ChatBot.WeCom.Callbacks;
using ChatBot.WeCom.LongConnection;
using ChatBot.WeCom.Streams;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace ChatBot.WeCom;

/// <summary>The WeCom feature's own registration and routes (STYLE.md §2).</summary>
public static class WeComRegistration
{
    public static IHostApplicationBuilder AddWeCom(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptionsWithValidateOnStart<WeComOptions, WeComOptionsValidator>().Bind(builder.Configuration.GetSection(WeComOptions.Section));
        builder.Services.AddSingleton<WeComAiBotEndpoint>();
        builder.Services.AddSingleton<WeComAppEndpoint>();
        builder.Services.AddHttpClient(nameof(WeComApiClient), (provider, client) =>
                client.BaseAddress = provider.GetRequiredService<IOptions<WeComOptions>>().Value.ApiBaseUrl)
            .AddWeComResilience();

        // The API client holds the token cache, so it is one singleton over a named client (typed clients are transient).
        builder.Services.AddSingleton(provider => new WeComApiClient(
            provider.GetRequiredService<IHttpClientFactory>().CreateClient(nameof(WeComApiClient)),
            provider.GetRequiredService<IOptionsMonitor<WeComOptions>>(),
            provider.GetRequiredService<TimeProvider>()));
        // The app's contact permission tells which departments an asker is in, for documents limited to some.
        builder.Services.AddKeyedSingleton<IDepartmentDirectory>(Platform.WeCom, (provider, _) => provider.GetRequiredService<WeComApiClient>());

        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration("wecom-app-credentials",
            provider => new DelegateHealthCheck(provider.GetRequiredService<WeComApiClient>().CredentialsHealth), HealthStatus.Degraded, ["ready"]));

        // Long-connection mode: the connection (held by one instance when Redis is shared) replaces the callback route.
        var aiBot = builder.Configuration.GetSection(WeComOptions.Section).GetSection(nameof(WeComOptions.AiBot));
        if (Enum.TryParse<WeComAiBotMode>(aiBot[nameof(WeComAiBotOptions.Mode)], ignoreCase: true, out var mode) && mode == WeComAiBotMode.LongConnection
            && !string.IsNullOrWhiteSpace(aiBot[nameof(WeComAiBotOptions.Secret)]))
        {
            builder.Services.AddSingleton<AiBotFrames>();
            builder.Services.AddSingleton<WeComLongConnection>();
            builder.Services.AddHostedService(provider => provider.GetRequiredService<WeComLongConnection>());
            builder.Services.AddReadinessCheck<WeComLongConnection>(WeComLongConnection.CheckName);
        }

        // AI-bot answers wait here for refresh callbacks or the long connection: shared (sealed) when Redis is.
        builder.Services.AddSingleton<IStreamStore>(provider => provider.GetService<IConnectionMultiplexer>() is { } redis
            ? new RedisStreamStore(redis, provider.GetRequiredService<EnvelopeSealer>())
            : new MemoryStreamStore(provider.GetRequiredService<TimeProvider>()));
        builder.Services.AddReplyRoute<WeComAppRoute, WeComAppReplySender>(WeComAppRoute.Key);
        builder.Services.AddReplyRoute<WeComAiBotRoute, WeComAiBotReplySender>(WeComAiBotRoute.Key);
        return builder;
    }

    /// <summary>Maps the callbacks of each configured channel; a channel without a Token stays off and start-up says so.</summary>
    public static IEndpointRouteBuilder MapWeCom(this IEndpointRouteBuilder app)
    {
        var options = app.ServiceProvider.GetRequiredService<IOptions<WeComOptions>>().Value;
        var logger = app.ServiceProvider.GetRequiredService<ILoggerFactory>().CreateLogger("ChatBot.WeCom");
        if (options.AiBot.Enabled && options.AiBot.Mode == WeComAiBotMode.LongConnection)
        {
            WeComLog.LongConnectionOn(logger, options.AiBot.LongConnectionUrl.Host);
        }
        else if (options.AiBot.Enabled)
        {
            app.MapGet(WeComAiBotEndpoint.Path, (HttpContext context, WeComAiBotEndpoint endpoint) => endpoint.VerifyUrl(context));
            app.MapPost(WeComAiBotEndpoint.Path, (HttpContext context, WeComAiBotEndpoint endpoint) => endpoint.ReceiveAsync(context));
            WeComLog.ChannelOn(logger, "aibot", WeComAiBotEndpoint.Path);
        }
        else
        {
            WeComLog.ChannelOff(logger, "aibot", options.AiBot.Mode == WeComAiBotMode.LongConnection ? "WeCom:AiBot:BotId and WeCom:AiBot:Secret" : "WeCom:AiBot:Token");
        }

        if (options.App.Enabled)
        {
            app.MapGet(WeComAppEndpoint.Path, (HttpContext context, WeComAppEndpoint endpoint) => endpoint.VerifyUrl(context));
            app.MapPost(WeComAppEndpoint.Path, (HttpContext context, WeComAppEndpoint endpoint) => endpoint.ReceiveAsync(context));
            WeComLog.ChannelOn(logger, "app", WeComAppEndpoint.Path);
        }
        else
        {
            WeComLog.ChannelOff(logger, "app", "WeCom:App:Token");
        }

        return app;
    }
}
