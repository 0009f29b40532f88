using ChatBot.Core.Pipeline;
using ChatBot.DingTalk;
using ChatBot.Host.Demo;
using ChatBot.Host.Observability;
using ChatBot.WeCom;

namespace ChatBot.Host.Hosting;

/// <summary>The bot as one table of contents: what it registers and maps. Run by Program, inspected by <c>doctor</c>.</summary>
internal static class BotHost
{
    /// <summary>Builds the bot and validates every option together; throws what <see cref="StartupFailure"/> reports.</summary>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        configure?.Invoke(builder);
        builder.Configuration.AddSettingsFiles(builder.Environment.ContentRootPath);
        builder.AddDemoProfile();
        var redis = builder.AddRedis();
        var parallelism = builder.AddChatClient();
        builder.Services.AddMessagePipeline(builder.Configuration, redis.Enabled, parallelism);
        builder.AddJobQueue(redis, parallelism);
        builder.AddWeCom();
        builder.AddDingTalk();
        builder.AddDemoReplies();
        builder.AddMetricsEndpoint();
        builder.AddHealth();
        builder.AddSystemdIntegration();

        var app = builder.Build();
        // Every option validated now, together, before the routes below read any of them.
        app.Services.GetService<Microsoft.Extensions.Options.IStartupValidator>()?.Validate();
        app.MapMetrics();
        app.MapHealth();
        app.MapWeCom();
        app.MapDingTalk();
        app.MapDemo();
        app.MapAdminDashboard();
        return app;
    }
}
