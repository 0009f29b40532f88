using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net;
using System.Reflection;
using ChatBot.Core.Observability;
using ChatBot.DingTalk.LongConnection;
using ChatBot.Inference;
using ChatBot.WeCom.LongConnection;
using Hangfire;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace ChatBot.Host.Observability;

/// <summary>Section <c>Metrics</c>: who may read <c>/metrics</c>.</summary>
internal sealed class MetricsOptions
{
    public const string Section = "Metrics";

    /// <summary>
    /// A port of its own for <c>/metrics</c> (e.g. 9464), which the callback listener then never answers on: the
    /// choice when callbacks arrive through a reverse proxy, which makes every caller look local. 0: the main
    /// listener, for <see cref="AllowedNetworks"/> only.
    /// </summary>
    public int Port { get; set; }

    /// <summary>
    /// Networks (CIDR) that may read <c>/metrics</c> on the main listener; none listed: this machine only (loopback).
    /// (Empty rather than a default list: configuration appends to a list, it does not replace it.)
    /// </summary>
    public List<string> AllowedNetworks { get; set; } = [];
}

internal sealed class MetricsOptionsValidator : IValidateOptions<MetricsOptions>
{
    public ValidateOptionsResult Validate(string? name, MetricsOptions options)
    {
        var errors = new List<string>();
        if (options.Port is < 0 or > 65535)
        {
            errors.Add($"Metrics:Port must be 0 (the main listener) or a TCP port; got {options.Port}.");
        }

        errors.AddRange(options.AllowedNetworks.Where(n => !IPNetwork.TryParse(n, out _))
            .Select(n => $"Metrics:AllowedNetworks has '{n}', which is not a network in CIDR form (such as 10.0.0.0/8)."));
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}

/// <summary>
/// <c>/metrics</c> in Prometheus text format, from the product's one Meter through OpenTelemetry's exporter — the
/// maintained exporter served here (prometheus-net is not), and System.Diagnostics.Metrics is .NET's own API — plus
/// the gauges read where their values live: queue depth, model, KV cells, sequences, long connections, memory.
/// </summary>
internal static class MetricsEndpoint
{
    public const string ServiceName = "chatbot";

    /// <summary>The build: the informational version, with the commit the SDK appends to it.</summary>
    public static string ServiceVersion { get; } =
        typeof(MetricsEndpoint).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    public static WebApplicationBuilder AddMetricsEndpoint(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptionsWithValidateOnStart<MetricsOptions, MetricsOptionsValidator>().Bind(builder.Configuration.GetSection(MetricsOptions.Section));
        builder.Services.AddOpenTelemetry()
            // target_info names the service and its build (else "unknown_service:dotnet"), for dashboards and alerts.
            .ConfigureResource(resource => resource.AddService(ServiceName, serviceVersion: ServiceVersion, autoGenerateServiceInstanceId: false))
            .WithMetrics(metrics => metrics.AddMeter(ChatBotMetrics.MeterName)
            // GC, heap, thread pool and JIT from the runtime; request durations by route and status from ASP.NET Core
            // (routes are the fixed callback paths: no identifier or text becomes a label).
            .AddRuntimeInstrumentation()
            .AddAspNetCoreInstrumentation()
            // Every scrape reads the meters now: the exporter's default 300-ms response cache would show a stale page.
            .AddPrometheusExporter(exporter => exporter.ScrapeResponseCacheDurationMilliseconds = 0));
        builder.Services.AddHostedService<Gauges>();
        var port = builder.Configuration.GetValue<int?>($"{MetricsOptions.Section}:{nameof(MetricsOptions.Port)}") ?? 0;
        if (port > 0)
        {
            // A listener of its own, beside whatever ASPNETCORE_URLS binds for the callbacks.
            var urls = builder.WebHost.GetSetting(WebHostDefaults.ServerUrlsKey) is { Length: > 0 } configured ? configured : "http://localhost:5000";
            builder.WebHost.UseSetting(WebHostDefaults.ServerUrlsKey, $"{urls};http://0.0.0.0:{port}");
        }

        return builder;
    }

    public static WebApplication MapMetrics(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<IOptions<MetricsOptions>>().Value;
        var networks = (options.AllowedNetworks.Count > 0 ? options.AllowedNetworks : ["127.0.0.0/8", "::1/128"]).Select(n => IPNetwork.Parse(n)).ToList();
        // Anything else falls through to routing: 404, as for a path that does not exist.
        app.UseOpenTelemetryPrometheusScrapingEndpoint(context => context.Request.Path == "/metrics"
            && (options.Port > 0
                ? context.Connection.LocalPort == options.Port
                : context.Connection.RemoteIpAddress is { } ip && networks.Any(n => n.Contains(ip.IsIPv4MappedToIPv6 ? ip.MapToIPv4() : ip))));
        return app;
    }

    /// <summary>Registered once at start, read at each scrape.</summary>
    private sealed class Gauges(ChatBotMetrics metrics, IServiceProvider services) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            var meter = metrics.Meter;
            var inference = services.GetService<LocalInference>();
            meter.CreateObservableGauge("chatbot.model.loaded", () => inference?.IsLoaded == true ? 1 : 0, description: "1 once the model is loaded");
            meter.CreateObservableGauge("chatbot.model.active_sequences", () => inference?.ActiveSequences ?? 0, description: "Answers being generated now");
            meter.CreateObservableGauge("chatbot.model.kv_cells_in_use", () => inference?.KvCellsInUse ?? 0, description: "KV-cache cells held by answers being generated");
            meter.CreateObservableGauge("chatbot.process.resident_memory", () => Environment.WorkingSet, "By", "Resident memory of this process");
            // The line the alerts measure against (80 % warn, 90 % critical): the runtime reads the cgroup's limit —
            // the container's, or systemd's MemoryMax — and falls back to the machine's memory without one.
            meter.CreateObservableGauge("chatbot.process.memory_limit", () => GC.GetGCMemoryInfo().TotalAvailableMemoryBytes, "By",
                "Memory this process may use: its cgroup's limit (container, systemd MemoryMax), else the machine's");
            // A new value is a restart (a crash, the OOM killer, a deploy), which the alerts count.
            var started = new DateTimeOffset(Process.GetCurrentProcess().StartTime).ToUnixTimeMilliseconds() / 1000.0;
            meter.CreateObservableGauge("chatbot.process.start_time", () => started, "s", "When this process started, in seconds since the Unix epoch");
            meter.CreateObservableGauge("chatbot.queue.depth", QueueDepth, description: "Jobs waiting to start, all instances");
            meter.CreateObservableGauge("chatbot.long_connection.connected", LongConnections, description: "1 while a long connection is up (standby counts as up), by connection");
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        private long QueueDepth()
        {
            try
            {
                var monitoring = services.GetRequiredService<JobStorage>().GetMonitoringApi();
                return monitoring.Queues().Sum(q => q.Length);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // Redis away: no reading, rather than a failed scrape.
                Debug.WriteLine(ex.GetType().Name);
                return 0;
            }
        }

        // Each long connection this instance runs, by the name its readiness check has.
        private IEnumerable<Measurement<int>> LongConnections()
        {
            if (services.GetService<WeComLongConnection>() is { } wecom)
            {
                yield return new Measurement<int>(wecom.Check().Ok ? 1 : 0, new KeyValuePair<string, object?>("connection", WeComLongConnection.CheckName));
            }

            if (services.GetService<DingTalkStreamClient>() is { } dingtalk)
            {
                yield return new Measurement<int>(dingtalk.Check().Ok ? 1 : 0, new KeyValuePair<string, object?>("connection", DingTalkStreamClient.CheckName));
            }
        }
    }
}
