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
    public const string DingTalkClientId = "dingtestapp";

    private readonly Dictionary<string, string?> _settings = new(StringComparer.OrdinalIgnoreCase)
    {
        ["WeCom:AiBot:Token"] = AiBotToken,
        ["WeCom:AiBot:EncodingAesKey"] = AiBotKey,
        ["WeCom:App:CorpId"] = CorpId,
        ["WeCom:App:AgentId"] = AgentId.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["WeCom:App:Token"] = AppToken,
        ["WeCom:App:EncodingAesKey"] = AppKey,
        ["WeCom:App:Secret"] = "test-app-secret",
        ["DingTalk:ClientId"] = DingTalkClientId,
        ["DingTalk:ClientSecret"] = DingTalkSecret,
        ["Inference:ModelPath"] = TestModels.Tiny,
        ["Inference:ParallelSequences"] = "2",
        ["Inference:ContextSize"] = "1024",
        ["Inference:MaxNewTokens"] = "16",
        // Off unless a test is about it: on a loaded machine the tiny model may take 3 s to its first word, and tests
        // that count the messages a user got are about something else.
        ["Answers:ThinkingNoticeAfter"] = "00:00:00",
        // Likewise the welcome before a direct chat's first answer (DingTalk, WeCom app): on where a test is about it.
        ["Answers:WelcomeInterval"] = "00:00:00",
        ["Privacy:PseudonymKey"] = PseudonymKey,
    };

    /// <summary>Every test instance's key, so <see cref="ChatBot.Core.Privacy.Pseudonym.Of"/> in a test names what the bot's records name.</summary>
    public const string PseudonymKey = "test-pseudonym-key-0123456789";

    private readonly List<Action<IServiceCollection>> _services = [];

    public ChatBotApp()
    {
        // The test process computes pseudonyms as the bot does, before any instance has started.
        ChatBot.Core.Privacy.Pseudonym.UseKey(PseudonymKey);
        UseKestrel(0);
        ConfigDirectory = Directory.CreateTempSubdirectory("chatbot-config").FullName;
        File.Copy(RepoPaths.Config("sensitive-words.txt"), Path.Combine(ConfigDirectory, "sensitive-words.txt"));
        File.Copy(RepoPaths.Config("system-prompt.md"), Path.Combine(ConfigDirectory, "system-prompt.md"));
        // Generous by default, so tests about other things are not throttled; quota tests write their own.
        WriteQuotas("""{ "timeZone": "Asia/Shanghai", "dailyLimit": 100000, "burstPerMinute": 0 }""");
        _settings["Quotas:PolicyFile"] = Path.Combine(ConfigDirectory, "quotas.json");
        _settings["Screening:WordListFile"] = Path.Combine(ConfigDirectory, "sensitive-words.txt");
        _settings["Answers:SystemPromptFile"] = Path.Combine(ConfigDirectory, "system-prompt.md");
        _settings["Audit:Folder"] = AuditDirectory;
    }

    /// <summary>Where this app's audit trail goes (inside its config copy, deleted with it).</summary>
    public string AuditDirectory => Path.Combine(ConfigDirectory, "audit");

    /// <summary>Every audit line written so far.</summary>
    public IReadOnlyList<string> AuditLines => Directory.Exists(AuditDirectory)
        ? Directory.GetFiles(AuditDirectory).SelectMany(f =>
        {
            using var reader = new StreamReader(new FileStream(f, FileMode.Open, FileAccess.Read, FileShare.ReadWrite));
            return reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        }).ToList()
        : [];

    /// <summary>This app's own copy of config/, which tests may edit (hot reload).</summary>
    public string ConfigDirectory { get; }

    public void WriteQuotas(string json) => File.WriteAllText(Path.Combine(ConfigDirectory, "quotas.json"), json);

    public void WriteSensitiveWords(string text) => File.WriteAllText(Path.Combine(ConfigDirectory, "sensitive-words.txt"), text);

    public CapturedLogs Logs { get; } = new();

    public RecordingAnswerQueue? Queue { get; private set; }

    public ChatBotApp With(string key, string? value)
    {
        _settings[key] = value;
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

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            try
            {
                Directory.Delete(ConfigDirectory, recursive: true);
            }
            catch (IOException)
            {
                // A watcher may still hold it for a moment; the temp folder is cleaned by the OS.
            }
        }
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
