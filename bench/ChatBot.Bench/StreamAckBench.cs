using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using ChatBot.Host.Cli;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace ChatBot.Bench;

/// <summary>
/// DingTalk ack latency, Stream mode beside HTTP mode in the same run: robot messages pushed at a fixed rate over
/// one socket by a loopback gateway (latency from each push's scheduled time to its ack on that socket), and the
/// same messages as signed HTTP callbacks to a second instance in HTTP mode (to its 200). Both instances are
/// intake-only, as an instance that takes messages in is; rounds interleaved.
/// </summary>
internal static class StreamAckBench
{
    private const string ClientId = "dingbench";
    private const string Secret = "bench-client-secret";

    public static async Task<int> RunAsync(string[] args)
    {
        var (host, model) = (args[0], args[1]);
        var rate = int.Parse(args[2], CultureInfo.InvariantCulture);
        var seconds = int.Parse(args[3], CultureInfo.InvariantCulture);
        var rounds = int.Parse(args[4], CultureInfo.InvariantCulture);
        var work = Directory.CreateTempSubdirectory("chatbot-stream-ack").FullName;
        File.WriteAllText(Path.Combine(work, "quotas.json"), """{ "timeZone": "Asia/Shanghai", "dailyLimit": 1000000 }""");

        await using var gateway = await Gateway.StartAsync();
        var httpPort = AckBench.FreePort();
        Dictionary<string, string> Settings(string mode, int port) => new()
        {
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
            ["DingTalk__Mode"] = mode,
            ["DingTalk__ClientId"] = ClientId,
            ["DingTalk__ClientSecret"] = Secret,
            ["DingTalk__ApiBaseUrl"] = gateway.BaseUrl,
            ["Inference__ModelPath"] = model,
            ["Quotas__PolicyFile"] = Path.Combine(work, "quotas.json"),
            ["Queue__RunWorkers"] = "false",
            ["Logging__LogLevel__Default"] = "Warning",
        };
        using var streaming = AckBench.Start("dotnet", host, Settings("Stream", AckBench.FreePort()));
        using var callbacks = AckBench.Start("dotnet", host, Settings("Http", httpPort));
        await AckBench.WaitReady($"http://127.0.0.1:{httpPort}/healthz");
        await gateway.Connected.WaitAsync(TimeSpan.FromSeconds(60));
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 256 });

        var results = new List<object>();
        for (var round = 0; round < rounds; round++)
        {
            var bodies = Enumerable.Range(0, rate * seconds)
                .Select(i => SimulatedCallback.DingTalkBody($"r{round}-{i}", $"user{i % 500}", "年假怎么算？", null, DateTimeOffset.UtcNow, robotCode: ClientId)).ToArray();
            var stream = await OpenLoop(rate, bodies.Length, (i, due) => gateway.PushAsync(bodies[i], due));
            var callback = await OpenLoop(rate, bodies.Length, async (i, due) =>
            {
                var body = SimulatedCallback.DingTalkBody($"h{round}-{i}", $"user{i % 500}", "年假怎么算？", null, DateTimeOffset.UtcNow, robotCode: ClientId);
                using var response = await http.SendAsync(SimulatedCallback.DingTalkRaw(Secret, body, DateTimeOffset.UtcNow).ToRequest(new Uri($"http://127.0.0.1:{httpPort}")));
                return response.StatusCode == HttpStatusCode.OK ? Stopwatch.GetElapsedTime(due).TotalMilliseconds : double.NaN;
            });
            foreach (var (mode, stats) in new[] { ("Stream (one socket)", stream), ("HTTP callback", callback) })
            {
                results.Add(new { round, mode, stats.P50, stats.P99, stats.Missing });
                Console.Error.WriteLine($"round {round} {mode,-20}: ack p50 {stats.P50,6:F2} ms  p99 {stats.P99,7:F2} ms  missing {stats.Missing}");
            }

            Console.Error.WriteLine($"round {round} p99 ratio Stream/HTTP: {stream.P99 / callback.P99:F2}x");
        }

        Console.WriteLine(JsonSerializer.Serialize(new { streamAck = results, rate, seconds }));
        streaming.Kill(entireProcessTree: true);
        callbacks.Kill(entireProcessTree: true);
        return 0;
    }

    private sealed record Stats(double P50, double P99, int Missing);

    /// <summary>Starts item i at its scheduled time (open loop); each returns its latency in ms, NaN when it failed or was never acked.</summary>
    private static async Task<Stats> OpenLoop(int rate, int count, Func<int, long, Task<double>> run)
    {
        var tasks = new Task<double>[count];
        var start = Stopwatch.GetTimestamp();
        for (var next = 0; next < count;)
        {
            var now = Stopwatch.GetTimestamp();
            while (next < count && start + (long)(next * (double)Stopwatch.Frequency / rate) <= now)
            {
                var index = next++;
                var due = start + (long)(index * (double)Stopwatch.Frequency / rate);
                tasks[index] = Task.Run(() => run(index, due));
            }

            await Task.Delay(1);
        }

        var latencies = (await Task.WhenAll(tasks)).Where(l => !double.IsNaN(l)).Order().ToArray();
        return latencies.Length == 0
            ? new Stats(double.NaN, double.NaN, count)
            : new Stats(latencies[latencies.Length / 2], latencies[(int)(latencies.Length * 0.99)], count - latencies.Length);
    }

    /// <summary>The least of DingTalk's gateway that the bot needs: open (endpoint + ticket), one socket, pushes, acks by messageId.</summary>
    private sealed class Gateway : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private readonly ConcurrentDictionary<string, TaskCompletionSource<long>> _acks = new();
        private readonly TaskCompletionSource _connected = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly SemaphoreSlim _send = new(1, 1);
        private WebSocket? _socket;

        private Gateway(WebApplication app, string baseUrl)
        {
            _app = app;
            BaseUrl = baseUrl;
        }

        public string BaseUrl { get; }

        public Task Connected => _connected.Task;

        public static async Task<Gateway> StartAsync()
        {
            var port = AckBench.FreePort();
            var app = BareServer.Loopback(port);
            var gateway = new Gateway(app, $"http://127.0.0.1:{port}/");
            app.UseWebSockets();
            app.MapPost("/v1.0/gateway/connections/open", () => Results.Json(new { endpoint = $"ws://127.0.0.1:{port}/connect", ticket = Guid.NewGuid().ToString() }));
            app.Map("/connect", async (HttpContext context) =>
            {
                using var socket = await context.WebSockets.AcceptWebSocketAsync();
                gateway._socket = socket;
                gateway._connected.TrySetResult();
                await gateway.ReadAcksAsync(socket);
            });
            await app.StartAsync();
            return gateway;
        }

        public async Task<double> PushAsync(byte[] robotMessage, long due)
        {
            var messageId = Guid.NewGuid().ToString("N");
            var acked = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
            _acks[messageId] = acked;
            var frame = JsonSerializer.SerializeToUtf8Bytes(new
            {
                specVersion = "1.0",
                type = "CALLBACK",
                headers = new Dictionary<string, string> { ["messageId"] = messageId, ["topic"] = "/v1.0/im/bot/messages/get", ["contentType"] = "application/json" },
                data = Encoding.UTF8.GetString(robotMessage),
            });
            await _send.WaitAsync();
            try
            {
                await _socket!.SendAsync(frame, WebSocketMessageType.Text, true, CancellationToken.None);
            }
            finally
            {
                _send.Release();
            }

            var finished = await Task.WhenAny(acked.Task, Task.Delay(TimeSpan.FromSeconds(10)));
            return finished == acked.Task ? Stopwatch.GetElapsedTime(due, acked.Task.Result).TotalMilliseconds : double.NaN;
        }

        private async Task ReadAcksAsync(WebSocket socket)
        {
            var buffer = new byte[64 * 1024];
            while (socket.State == WebSocketState.Open)
            {
                var result = await socket.ReceiveAsync(buffer, CancellationToken.None);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return;
                }

                var at = Stopwatch.GetTimestamp();
                using var json = JsonDocument.Parse(buffer.AsMemory(0, result.Count));
                if (json.RootElement.GetProperty("headers").GetProperty("messageId").GetString() is { } id && _acks.TryRemove(id, out var acked))
                {
                    acked.TrySetResult(at);
                }
            }
        }

        public async ValueTask DisposeAsync() => await _app.DisposeAsync();
    }
}
