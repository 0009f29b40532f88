using System.Net;
using ChatBot.IntegrationTests.Infrastructure;
using ChatBot.IntegrationTests.Pipeline;
using ChatBot.Tests.Shared;

namespace ChatBot.IntegrationTests.Hosting;

/// <summary>
/// The bot as an admin runs it, from a folder with <c>appsettings.template.json</c> copied to
/// <c>appsettings.Local.json</c> as the README says: it starts with every channel off; a forgotten secret or a
/// copied placeholder never becomes a working value; and every problem is reported at once, without a stack trace.
/// </summary>
public sealed class FailClosedConfigurationTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("chatbot-template").FullName;

    public FailClosedConfigurationTests()
    {
        File.Copy(Path.Combine(RepoPaths.Root, "appsettings.template.json"), Path.Combine(_folder, "appsettings.Local.json"));
        Directory.CreateDirectory(Path.Combine(_folder, "config"));
        foreach (var file in Directory.GetFiles(Path.Combine(RepoPaths.Root, "config")))
        {
            File.Copy(file, Path.Combine(_folder, "config", Path.GetFileName(file)));
        }
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private BotProcess Start(Dictionary<string, string?> settings)
    {
        // The only departures from the copied template: the tiny model, which this machine has, and the pseudonym key
        // the environment must supply (a test below starts without it).
        settings.TryAdd("Privacy:PseudonymKey", ChatBotApp.PseudonymKey);
        settings["Inference:ModelPath"] = TestModels.Tiny;
        
        settings["Inference:WarmUp"] = "false";
        return BotProcess.Start(settings, _folder);
    }

    [Fact]
    public async Task The_template_as_copied_starts_with_every_channel_off()
    {
        using var bot = Start([]);
        await bot.WaitUntilAliveAsync(TimeSpan.FromSeconds(60));
        using var client = new HttpClient { BaseAddress = bot.BaseUrl };

        Assert.Equal(HttpStatusCode.NotFound, (await client.PostAsync(PlatformCallbacks.DingTalk("t-1", "hi"))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.PostAsync(PlatformCallbacks.AiBot("t-2", "hi"))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(new Uri("/hangfire", UriKind.Relative))).StatusCode);
        Assert.Contains(bot.Output, l => l.Contains("DingTalk is off", StringComparison.Ordinal));
    }

    [Fact]
    public async Task With_a_metrics_port_metrics_are_served_there_and_never_on_the_callback_listener()
    {
        var port = BotProcess.FreePort();
        using var bot = Start(new() { ["Metrics:Port"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        await bot.WaitUntilAliveAsync(TimeSpan.FromSeconds(60));
        using var client = new HttpClient();

        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(new Uri(bot.BaseUrl, "/metrics"))).StatusCode);
        var metrics = await client.GetStringAsync(new Uri($"http://127.0.0.1:{port}/metrics"));
        Assert.Contains("chatbot_model_loaded", metrics, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("DingTalk:ClientSecret", "<set DingTalk__ClientSecret in the environment>")]
    [InlineData("WeCom:App:Secret", "<set WeCom__App__Secret in the environment>")]
    [InlineData("Queue:DashboardPassword", "<at least 12 characters, environment only>")]
    public async Task A_placeholder_is_never_a_value(string key, string placeholder)
    {
        using var bot = Start(new()
        {
            [key] = placeholder,
            ["DingTalk:ClientId"] = key.StartsWith("DingTalk", StringComparison.Ordinal) ? "dingapp" : null,
            ["Queue:DashboardEnabled"] = key.StartsWith("Queue", StringComparison.Ordinal) ? "true" : null,
            ["Queue:DashboardUser"] = key.StartsWith("Queue", StringComparison.Ordinal) ? "admin" : null,
        });

        Assert.Equal(2, await bot.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains(bot.Output, l => l.Contains(key + " holds placeholder text", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Without_a_pseudonym_key_the_bot_refuses_to_start_with_the_audit_trail_on_and_starts_with_it_off()
    {
        using (var refused = Start(new() { ["Privacy:PseudonymKey"] = null }))
        {
            Assert.Equal(2, await refused.WaitForExitAsync(TimeSpan.FromSeconds(60)));
            Assert.Contains(refused.Output, l => l.Contains("Privacy:PseudonymKey must be set in the environment", StringComparison.Ordinal));
        }

        using var off = Start(new() { ["Privacy:PseudonymKey"] = null, ["Audit:Sink"] = "Off" });
        await off.WaitUntilAliveAsync(TimeSpan.FromSeconds(60));
    }

    [Fact]
    public async Task Locked_memory_beyond_what_the_process_may_lock_stops_start_up_naming_the_limit()
    {
        // As a service with a small RLIMIT_MEMLOCK and without CAP_IPC_LOCK (which root holds, and which lifts the limit).
        string[] launcher = Environment.UserName == "root"
            ? ["prlimit", "--memlock=65536:65536", "setpriv", "--bounding-set=-ipc_lock", "--inh-caps=-ipc_lock"]
            : ["prlimit", "--memlock=65536:65536"];
        var settings = BotProcess.LocalSettings(_folder);
        
        settings["Inference:LockMemory"] = "true";
        using var bot = BotProcess.Start(settings, _folder, launcher);

        Assert.Equal(2, await bot.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains(bot.Output, l => l.Contains("Inference:LockMemory: mlockall failed", StringComparison.Ordinal) && l.Contains("RLIMIT_MEMLOCK", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_public_inference_endpoint_is_refused_unless_allowed_and_then_warned_about_at_every_start()
    {
        Dictionary<string, string?> OpenAI(string endpoint, bool allow) => new()
        {
            ["Inference:Provider"] = "OpenAI",
            ["Inference:OpenAI:Endpoint"] = endpoint,
            ["Inference:OpenAI:ApiKey"] = "sk-test",
            ["Inference:OpenAI:AllowRemoteEndpoint"] = allow ? "true" : "false",
        };

        using (var refused = Start(OpenAI("https://8.8.8.8/v1", allow: false)))
        {
            Assert.Equal(2, await refused.WaitForExitAsync(TimeSpan.FromSeconds(60)));
            Assert.Contains(refused.Output, l => l.Contains("Inference:OpenAI:Endpoint '8.8.8.8' resolves to the public address 8.8.8.8", StringComparison.Ordinal)
                && l.Contains("Inference:OpenAI:AllowRemoteEndpoint=true", StringComparison.Ordinal));
        }

        using (var inside = Start(OpenAI("http://192.168.10.5:8000/v1", allow: false)))
        {
            await inside.WaitUntilAliveAsync(TimeSpan.FromSeconds(60));
            Assert.DoesNotContain(inside.Output, l => l.Contains("4205", StringComparison.Ordinal) || l.Contains("AllowRemoteEndpoint is true", StringComparison.Ordinal));
        }

        using var allowed = Start(OpenAI("https://8.8.8.8/v1", allow: true));
        await allowed.WaitUntilAliveAsync(TimeSpan.FromSeconds(60));
        await QuotaIntakeTests.WaitUntil(() => allowed.Output.Any(l => l.Contains("AllowRemoteEndpoint is true: questions are sent to 8.8.8.8", StringComparison.Ordinal)), 10);
    }

    [Fact]
    public async Task A_model_that_does_not_load_stops_start_up_naming_its_path_though_it_loads_beside_the_web_server()
    {
        var broken = Path.Combine(_folder, "truncated.gguf");
        using (var source = File.OpenRead(TestModels.Tiny))
        using (var target = File.Create(broken))
        {
            var buffer = new byte[1_000_000];
            target.Write(buffer, 0, source.Read(buffer));
        }

        using var bot = BotProcess.Start(new Dictionary<string, string?>
        {
            ["Inference:ModelPath"] = broken, ["Inference:WarmUp"] = "false",
            ["Privacy:PseudonymKey"] = ChatBotApp.PseudonymKey,
        }, _folder);

        Assert.Equal(2, await bot.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        var output = string.Join("\n", bot.Output);
        Assert.Contains($"Inference:ModelPath '{broken}' could not be loaded", output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_model_whose_hash_is_not_the_pinned_one_stops_start_up_before_it_is_ready_and_the_right_hash_starts()
    {
        var wrong = new string('0', 64);
        using (var bot = Start(new() { ["Inference:ModelSha256"] = wrong }))
        {
            Assert.Equal(2, await bot.WaitForExitAsync(TimeSpan.FromSeconds(60)));
            var output = string.Join("\n", bot.Output);
            Assert.Contains($"Inference:ModelSha256 does not match '{TestModels.Tiny}'", output, StringComparison.Ordinal);
            Assert.Contains($"the setting says {wrong}", output, StringComparison.Ordinal);
            Assert.DoesNotContain("Local inference ready", output, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
        }

        string right;
        using (var file = File.OpenRead(TestModels.Tiny))
        {
            right = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(file)); // upper case: compared without case
        }

        using var pinned = Start(new() { ["Inference:ModelSha256"] = right });
        await pinned.WaitUntilAliveAsync(TimeSpan.FromSeconds(60));
        await Pipeline.QuotaIntakeTests.WaitUntil(() => pinned.Output.Any(l => l.Contains("SHA-256 matches Inference:ModelSha256", StringComparison.Ordinal)), 30);
    }

    [Fact]
    public async Task A_missing_embedding_model_stops_start_up_naming_its_setting()
    {
        var missing = Path.Combine(_folder, "bge-m3.gguf");
        using var bot = Start(new() { ["Knowledge:EmbeddingModelPath"] = missing });

        Assert.Equal(2, await bot.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        var output = string.Join("\n", bot.Output);
        Assert.Contains($"Knowledge:EmbeddingModelPath '{missing}' does not exist", output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Quotas:NoticeInterval", "ten minutes", "a time span as hh:mm:ss")]
    [InlineData("DingTalk:Mode", "Strem", "It must be one of: Http, Stream.")]
    public async Task A_value_of_the_wrong_type_names_its_key_and_what_it_may_be_without_a_stack_trace(string key, string value, string hint)
    {
        using var bot = Start(new() { [key] = value });

        Assert.Equal(2, await bot.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        var output = string.Join("\n", bot.Output);
        Assert.Contains($"'{value}' at '{key}'", output, StringComparison.Ordinal);
        Assert.Contains(hint, output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_problem_is_reported_at_once_without_a_stack_trace()
    {
        using var bot = Start(new()
        {
            ["DingTalk:ClientId"] = "dingapp",
            ["WeCom:App:Token"] = "not a token!",
            ["Queue:DashboardEnabled"] = "true",
            ["Intake:Deadline"] = "00:01:00",
            ["Redis:ConnectionString"] = "127.0.0.1:1,nonsense=1",
            ["Inference:Provider"] = "Remote",
        });

        Assert.Equal(2, await bot.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        var output = string.Join("\n", bot.Output);
        foreach (var key in new[] { "DingTalk:ClientSecret", "WeCom:App:Token", "Queue:DashboardPassword", "Intake:Deadline", "Redis:ConnectionString", "Inference:Provider" })
        {
            Assert.Contains(key, output, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", output, StringComparison.Ordinal);
    }
}
