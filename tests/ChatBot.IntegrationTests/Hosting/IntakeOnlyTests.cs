using System.Net;
using System.Text.Json;
using ChatBot.IntegrationTests.Infrastructure;
using ChatBot.IntegrationTests.Observability;
using ChatBot.IntegrationTests.Pipeline;

namespace ChatBot.IntegrationTests.Hosting;

/// <summary>
/// An intake-only instance (<c>Queue:RunWorkers=false</c>) as deploy/ runs it: no model file, no llama.cpp libraries.
/// It starts, is ready without a model check and queues what it acknowledges; a worker with the same settings refuses
/// to start, naming the model setting.
/// </summary>
public sealed class IntakeOnlyTests(Xunit.Abstractions.ITestOutputHelper output) : IDisposable
{
    private readonly string _config = Directory.CreateTempSubdirectory("chatbot-intake").FullName;

    public void Dispose() => Directory.Delete(_config, recursive: true);

    private Dictionary<string, string?> Settings(bool runWorkers)
    {
        var settings = BotProcess.SharedRedisSettings(RedisServer.IsolatedDatabase(), _config);
        settings["Inference:ModelPath"] = "/nonexistent/qwen2.5-0.5b-instruct-q4_k_m.gguf";
        settings["Inference:NativeLibraryPath"] = "/nonexistent/native";
        settings["Queue:RunWorkers"] = runWorkers ? "true" : "false";
        return BotProcess.WithWeComApp(settings);
    }

    [Fact]
    public async Task An_intake_only_instance_starts_without_a_model_is_ready_and_queues_what_it_acknowledges()
    {
        using var bot = BotProcess.Start(Settings(runWorkers: false), _config);
        await bot.WaitUntilAliveAsync(TimeSpan.FromSeconds(60));
        using var client = new HttpClient { BaseAddress = bot.BaseUrl };

        var ready = await client.GetAsync(new Uri("/readyz", UriKind.Relative));
        var body = await ready.Content.ReadAsStringAsync();
        Assert.True(ready.StatusCode == HttpStatusCode.OK, body);
        using (var readiness = JsonDocument.Parse(body))
        {
            Assert.True(readiness.RootElement.GetProperty("ready").GetBoolean());
            var checks = readiness.RootElement.GetProperty("checks");
            Assert.False(checks.TryGetProperty("model", out _), body);
            Assert.True(checks.TryGetProperty("redis", out _), body);
        }

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await client.PostAsync(PlatformCallbacks.App($"{43000 + i}", "a question for the workers", user: $"intake{i}"))).StatusCode);
        }

        // Nobody answers here: the three jobs wait in Redis for a worker.
        var metrics = "";
        await QuotaIntakeTests.WaitUntil(() =>
        {
            metrics = client.GetStringAsync(new Uri("/metrics", UriKind.Relative)).GetAwaiter().GetResult();
            return MetricsTests.Value(metrics, "chatbot_queue_depth") == 3;
        }, 30);
        Assert.Equal(0, MetricsTests.Value(metrics, "chatbot_model_loaded"));
        Assert.False(bot.HasExited);
        Assert.DoesNotContain(bot.Output, l => l.Contains("Loading the model", StringComparison.Ordinal));
        output.WriteLine($"intake-only resident memory: {MetricsTests.Value(metrics, "chatbot_process_resident_memory_bytes") / 1_000_000:F0} MB");
    }

    [Fact]
    public async Task A_worker_with_the_same_settings_refuses_to_start_naming_the_model_setting()
    {
        using var bot = BotProcess.Start(Settings(runWorkers: true), _config);

        Assert.Equal(2, await bot.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains(bot.Output, l => l.Contains("Inference:ModelPath", StringComparison.Ordinal));
    }
}
