using ChatBot.Core.Queue;
using ChatBot.Tests.Shared;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ChatBot.IntegrationTests.Infrastructure;

/// <summary>
/// The real host on Kestrel, on a loopback port, with every channel configured with test keys and the tiny
/// model. Tests add settings and replace process-boundary services (the clock, the queue) as they need.
/// </summary>
public class ChatBotApp : WebApplicationFactory<Program>
{
    public const string AiBotToken = "AiBotToken123";
    public const string AiBotKey = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C";
    public const string AppToken = "AppToken456";
    public const string AppKey = "6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt";
    public const string CorpId = "wwtestcorp";
    public const int AgentId = 1000002;
    public const string DingTalkSecret = "testAppSecret";

    private readonly Dictionary<string, string?> _settings = new(StringComparer.OrdinalIgnoreCase)
    {
        ["WeCom:AiBot:Token"] = AiBotToken,
        ["WeCom:AiBot:EncodingAesKey"] = AiBotKey,
        ["WeCom:App:CorpId"] = CorpId,
        ["WeCom:App:AgentId"] = AgentId.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["WeCom:App:Token"] = AppToken,
        ["WeCom:App:EncodingAesKey"] = AppKey,
        ["WeCom:App:Secret"] = "test-app-secret",
        ["DingTalk:ClientId"] = "dingtestapp",
        ["DingTalk:ClientSecret"] = DingTalkSecret,
        ["Inference:ModelPath"] = TestModels.Tiny,
        ["Inference:ParallelSequences"] = "2",
        ["Inference:ContextSize"] = "1024",
        ["Inference:MaxNewTokens"] = "16",
        ["Answers:SystemPromptFile"] = "does-not-exist.md",
    };

    private readonly List<Action<IServiceCollection>> _services = [];

    public ChatBotApp()
    {
        UseKestrel(0);
    }

    public CapturedLogs Logs { get; } = new();

    public ManualClock? Clock { get; private set; }

    public RecordingAnswerQueue? Queue { get; private set; }

    public ChatBotApp With(string key, string? value)
    {
        _settings[key] = value;
        return this;
    }

    public ChatBotApp WithClock(DateTimeOffset now)
    {
        Clock = new ManualClock(now);
        _services.Add(s => s.AddSingleton<TimeProvider>(Clock));
        return this;
    }

    /// <summary>Intake-only tests: record instead of queueing to Hangfire.</summary>
    public ChatBotApp WithRecordingQueue()
    {
        Queue = new RecordingAnswerQueue();
        _services.Add(s => s.AddSingleton<IAnswerQueue>(Queue));
        return this;
    }

    public ChatBotApp WithServices(Action<IServiceCollection> configure)
    {
        _services.Add(configure);
        return this;
    }

    /// <summary>Starts Kestrel and returns a client for its loopback address.</summary>
    public HttpClient Start()
    {
        StartServer();
        return CreateClient();
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }

        builder.UseEnvironment("Testing");
        builder.ConfigureLogging(logging => logging.SetMinimumLevel(LogLevel.Debug).AddProvider(Logs));
        builder.ConfigureTestServices(services =>
        {
            foreach (var configure in _services)
            {
                configure(services);
            }
        });
    }
}
