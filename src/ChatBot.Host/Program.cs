using ChatBot.DingTalk;
using ChatBot.Host.Cli;
using ChatBot.Host.Demo;
using ChatBot.Host.Hosting;
using ChatBot.Host.Observability;
using ChatBot.WeCom;

// Command-line verbs (simulate, forge-model) run and exit without starting the server.
if (await CliVerbs.TryRunAsync(args) is { } exitCode)
{
    return exitCode;
}

WebApplicationBuilder? builder = null;
try
{
    builder = WebApplication.CreateBuilder(args);
    builder.Configuration.AddSettingsFiles(builder.Environment.ContentRootPath);
    builder.AddDemoProfile();
    var redis = builder.AddRedis();
    var parallelism = builder.AddChatClient();
    builder.AddMessagePipeline(redis, parallelism);
    builder.AddWeCom();
    builder.AddDingTalk();
    builder.AddMetricsEndpoint();
    builder.AddHealth();

    var app = builder.Build();
    // Every option validated now, together, before the routes below read any of them.
    app.Services.GetService<Microsoft.Extensions.Options.IStartupValidator>()?.Validate();
    app.MapMetrics();
    app.MapHealth();
    app.MapWeCom();
    app.MapDingTalk();
    app.MapDemo();
    app.MapAdminDashboard();
    await app.RunAsync();
    return 0;
}
// The integration tests' host (environment Testing) receives the exception itself, to assert on it.
catch (Exception error) when (error is not HostAbortedException && builder?.Environment.EnvironmentName != "Testing"
                              && StartupFailure.IsConfigurationProblem(error))
{
    return StartupFailure.Report(error, Console.Error);
}

/// <summary>Visible to WebApplicationFactory in the integration tests.</summary>
public partial class Program;
