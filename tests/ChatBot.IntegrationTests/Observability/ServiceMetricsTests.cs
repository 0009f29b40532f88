using System.Text.RegularExpressions;
using ChatBot.IntegrationTests.Infrastructure;

namespace ChatBot.IntegrationTests.Observability;

/// <summary><c>/metrics</c> names the service and its build, and carries the runtime's and ASP.NET Core's meters beside the bot's.</summary>
public sealed partial class ServiceMetricsTests(Xunit.Abstractions.ITestOutputHelper output)
{
    [Fact]
    public async Task Metrics_name_the_service_and_its_version_and_carry_runtime_and_http_server_series()
    {
        // Intake-only: no model to wait for.
        using var app = new ChatBotApp().With("Queue:RunWorkers", "false");
        var client = app.Start();
        await client.GetStringAsync(new Uri("/healthz", UriKind.Relative));
        GC.Collect(); // so the collection count has moved in any case

        var metrics = await client.GetStringAsync(new Uri("/metrics", UriKind.Relative));

        var target = Assert.Single(metrics.Split('\n'), l => l.StartsWith("target_info{", StringComparison.Ordinal));
        output.WriteLine(target);
        Assert.Contains("service_name=\"chatbot\"", target, StringComparison.Ordinal);
        Assert.Matches("service_version=\"\\d+\\.\\d+\\.\\d+[^\"]*\"", target);
        Assert.DoesNotContain("unknown_service", metrics, StringComparison.Ordinal);
        Assert.True(MetricsTests.Value(metrics, "dotnet_gc_collections_total") >= 1, "the runtime's GC count");
        Assert.True(MetricsTests.Value(metrics, "dotnet_process_memory_working_set_bytes") > 10_000_000, "the runtime's working set");
        Assert.True(MetricsTests.Value(metrics, "http_server_request_duration_seconds_count", "http_route=\"/healthz\"") >= 1, "ASP.NET Core's request duration by route");
        Assert.True(MetricsTests.Value(metrics, "chatbot_model_loaded") == 0);

        // What the memory and restart alerts read: the limit above the resident memory (and no more than the
        // machine has), the start time a moment ago.
        var resident = MetricsTests.Value(metrics, "chatbot_process_resident_memory_bytes");
        var limit = MetricsTests.Value(metrics, "chatbot_process_memory_limit_bytes");
        var machine = long.Parse(File.ReadLines("/proc/meminfo").First(l => l.StartsWith("MemTotal:", StringComparison.Ordinal))
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) * 1024;
        output.WriteLine($"resident {resident / 1e6:F0} MB, limit {limit / 1e6:F0} MB, machine {machine / 1e6:F0} MB");
        Assert.InRange(limit, resident, machine);
        var started = MetricsTests.Value(metrics, "chatbot_process_start_time_seconds");
        Assert.InRange(DateTimeOffset.UtcNow.ToUnixTimeSeconds() - started, 0, 3600);
        foreach (var name in Series().Matches(metrics).Select(m => m.Groups[1].Value).Distinct().Where(n => !n.StartsWith("chatbot_", StringComparison.Ordinal)))
        {
            output.WriteLine(name);
        }
    }

    [GeneratedRegex(@"^# TYPE (\w+) ", RegexOptions.Multiline)]
    private static partial Regex Series();
}
