using ChatBot.Core.Health;
using ChatBot.Core.Knowledge.Access;
using ChatBot.Core.Messages;
using ChatBot.DingTalk.Api;
using ChatBot.DingTalk.Callbacks;
using ChatBot.DingTalk.LongConnection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ChatBot.DingTalk;

/// <summary>The DingTalk feature's own registration and routes (STYLE.md §2).</summary>
public static partial class DingTalkRegistration
{
    public static IHostApplicationBuilder AddDingTalk(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptionsWithValidateOnStart<DingTalkOptions, DingTalkOptionsValidator>().Bind(builder.Configuration.GetSection(DingTalkOptions.Section));
        builder.Services.AddSingleton<DingTalkCallbackEndpoint>();
        builder.Services.AddHttpClient(nameof(DingTalkApiClient), (provider, client) =>
                client.BaseAddress = provider.GetRequiredService<IOptions<DingTalkOptions>>().Value.ApiBaseUrl)
            .AddDingTalkResilience();
        builder.Services.AddSingleton(provider => new DingTalkApiClient(
            provider.GetRequiredService<IHttpClientFactory>().CreateClient(nameof(DingTalkApiClient)),
            provider.GetRequiredService<IOptionsMonitor<DingTalkOptions>>(),
            provider.GetRequiredService<TimeProvider>()));
        builder.Services.AddSingleton<DingTalkStreamingCard>();
        builder.Services.AddKeyedSingleton<IDepartmentDirectory>(Platform.DingTalk, (provider, _) =>
            new DingTalkDirectory(provider.GetRequiredService<DingTalkApiClient>(), provider.GetRequiredService<IOptionsMonitor<DingTalkOptions>>()));
        builder.Services.AddReplyRoute<DingTalkRoute, DingTalkReplySender>(DingTalkRoute.Key);

        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration("dingtalk-credentials",
            provider => new DelegateHealthCheck(provider.GetRequiredService<DingTalkApiClient>().CredentialsHealth), HealthStatus.Degraded, ["ready"]));

        // The mode decides the wiring: in Stream mode the bot holds an outbound connection and has no callback route.
        var settings = builder.Configuration.GetSection(DingTalkOptions.Section);
        if (Enum.TryParse<DingTalkMode>(settings[nameof(DingTalkOptions.Mode)], ignoreCase: true, out var mode) && mode == DingTalkMode.Stream && !string.IsNullOrWhiteSpace(settings[nameof(DingTalkOptions.ClientSecret)]))
        {
            builder.Services.AddSingleton<DingTalkStreamClient>();
            builder.Services.AddHostedService(provider => provider.GetRequiredService<DingTalkStreamClient>());
            builder.Services.AddReadinessCheck<DingTalkStreamClient>(DingTalkStreamClient.CheckName);
        }

        return builder;
    }

    public static IEndpointRouteBuilder MapDingTalk(this IEndpointRouteBuilder app)
    {
        var options = app.ServiceProvider.GetRequiredService<IOptions<DingTalkOptions>>().Value;
        var logger = app.ServiceProvider.GetRequiredService<ILoggerFactory>().CreateLogger("ChatBot.DingTalk");
        if (options.Enabled && options.Mode == DingTalkMode.Stream)
        {
            LogStream(logger, options.ApiBaseUrl.Host);
        }
        else if (options.Enabled)
        {
            app.MapPost(DingTalkCallbackEndpoint.Path, (HttpContext context, DingTalkCallbackEndpoint endpoint) => endpoint.ReceiveAsync(context));
            LogOn(logger, DingTalkCallbackEndpoint.Path);
        }
        else
        {
            LogOff(logger);
        }

        return app;
    }

    [LoggerMessage(EventId = 3007, Level = LogLevel.Information, Message = "DingTalk is on in Stream mode: an outbound connection through {Host} (no callback URL)")]
    private static partial void LogStream(ILogger logger, string host);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Information, Message = "DingTalk is on in HTTP mode at {Path}")]
    private static partial void LogOn(ILogger logger, string path);

    [LoggerMessage(EventId = 3005, Level = LogLevel.Information, Message = "DingTalk is off: DingTalk:ClientSecret is not set")]
    private static partial void LogOff(ILogger logger);
}
