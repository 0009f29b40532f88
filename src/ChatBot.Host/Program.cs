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

var builder = WebApplication.CreateBuilder(args);
builder.Configuration.AddSettingsFiles(builder.Environment.ContentRootPath);
builder.AddDemoProfile();
var redis = builder.AddRedis();
var parallelism = builder.AddChatClient();
builder.AddMessagePipeline(redis, parallelism);
builder.AddWeCom();
builder.AddDingTalk();

var app = builder.Build();
app.MapHealth();
app.MapWeCom();
app.MapDingTalk();
app.MapDemo();
app.MapAdminDashboard();
app.Run();
return 0;

/// <summary>Visible to WebApplicationFactory in the integration tests.</summary>
public partial class Program;
