using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace ChatBot.IntegrationTests.Fakes;

/// <summary>
/// DingTalk's Stream gateway as stream-modes.md §1 and §3.1 describe it: <c>connections/open</c> (JSON only with
/// <c>Accept: application/json</c>, 401 authFailed on bad credentials, single-use tickets valid 90 s), a WebSocket
/// endpoint that refuses a missing, expired or reused ticket before the upgrade, pushes with string-only headers and
/// data as a JSON string sent to a random connection, acks checked by messageId on the same socket, redelivery of
/// unacknowledged pushes with a new frame id, <c>ping</c> with an opaque to echo, and <c>disconnect</c>.
/// </summary>
public sealed partial class FakeDingTalk
{
    private const string StreamPath = "/connect2";
    private readonly ConcurrentDictionary<string, DateTimeOffset> _tickets = new();
    private readonly ConcurrentDictionary<int, StreamSocket> _sockets = new();
    private readonly ConcurrentDictionary<string, Pending> _pending = new();
    private readonly Random _random = new(1234);
    private int _opens;
    private int _socketIds;

    /// <summary>Unacknowledged pushes are delivered again after this (DingTalk: 16–60 s), with a new messageId.</summary>
    public TimeSpan RedeliverAfter { get; set; } = TimeSpan.FromSeconds(60);

    public int Opens => _opens;

    public int LiveConnections => _sockets.Values.Count(s => !s.GoingAway);

    /// <summary>Acks by messageId: the socket that carried the push and how long the ack took.</summary>
    public ConcurrentDictionary<string, (bool SameSocket, TimeSpan Latency)> Acks { get; } = new();

    public ConcurrentQueue<string> PingAcks { get; } = new();

    /// <summary>Pushes sent per connection id: shows the random spread over several connections.</summary>
    public ConcurrentDictionary<int, int> PushesByConnection { get; } = new();

    public int Redeliveries => _redeliveries;

    private int _redeliveries;

    /// <summary>Pushes a robot message to a random live connection; returns the frame's messageId.</summary>
    public async Task<string> PushAsync(byte[] robotMessage)
    {
        var data = Encoding.UTF8.GetString(robotMessage);
        var messageId = $"{Guid.NewGuid():N}"[..8] + "_" + Stopwatch.GetTimestamp().ToString("x", System.Globalization.CultureInfo.InvariantCulture);
        var socket = PickSocket() ?? throw new InvalidOperationException("no live Stream connection to push to");
        _pending[messageId] = new Pending(data, socket.Id, Stopwatch.GetTimestamp());
        PushesByConnection.AddOrUpdate(socket.Id, 1, (_, n) => n + 1);
        await socket.SendAsync(new
        {
            specVersion = "1.0",
            type = "CALLBACK",
            headers = new Dictionary<string, string>
            {
                ["appId"] = "6b6c5f5e-app", ["connectionId"] = socket.Id.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["contentType"] = "application/json", ["messageId"] = messageId,
                ["time"] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["topic"] = "/v1.0/im/bot/messages/get",
            },
            data,
        });
        return messageId;
    }

    public async Task PingAllAsync(string opaque)
    {
        foreach (var socket in _sockets.Values)
        {
            await socket.SendAsync(new
            {
                specVersion = "1.0", type = "SYSTEM",
                headers = new Dictionary<string, string> { ["topic"] = "ping", ["messageId"] = "ping-" + opaque, ["contentType"] = "application/json" },
                data = JsonSerializer.Serialize(new { opaque }),
            });
        }
    }

    /// <summary>Announces <c>disconnect</c> on every live socket: no more pushes to them; closed after <paramref name="closeAfter"/>.</summary>
    public async Task DisconnectAllAsync(TimeSpan closeAfter)
    {
        foreach (var socket in _sockets.Values.Where(s => !s.GoingAway).ToList())
        {
            socket.GoingAway = true;
            await socket.SendAsync(new
            {
                specVersion = "1.0", type = "SYSTEM",
                headers = new Dictionary<string, string> { ["topic"] = "disconnect", ["contentType"] = "application/json" },
                data = """{"reason":"connection is expired"}""",
            });
            _ = Task.Delay(closeAfter).ContinueWith(_ => socket.Abort(), TaskScheduler.Default);
        }
    }

    /// <summary>Kills every socket without a close frame, as a network failure does.</summary>
    public void KillConnections()
    {
        foreach (var socket in _sockets.Values)
        {
            socket.Abort();
        }
    }

    private StreamSocket? PickSocket()
    {
        var live = _sockets.Values.Where(s => !s.GoingAway).OrderBy(s => s.Id).ToList();
        lock (_random)
        {
            return live.Count == 0 ? null : live[_random.Next(live.Count)];
        }
    }

    private void MapStream(WebApplication app)
    {
        app.UseWebSockets();
        app.MapPost("/v1.0/gateway/connections/open", async (HttpRequest request) =>
        {
            Interlocked.Increment(ref _opens);
            if (!request.Headers.Accept.ToString().Contains("application/json", StringComparison.Ordinal))
            {
                return Results.Content("<xml><code>notAcceptable</code></xml>", "application/xml", statusCode: 406);
            }

            using var json = JsonDocument.Parse(await BodyAsync(request));
            var root = json.RootElement;
            if (root.GetProperty("clientId").GetString() != ClientId || root.GetProperty("clientSecret").GetString() != ClientSecret)
            {
                return Results.Json(new { requestid = Guid.NewGuid().ToString("N"), code = "authFailed", message = "鉴权失败" }, statusCode: 401);
            }

            if (!root.TryGetProperty("subscriptions", out var subscriptions) || subscriptions.GetArrayLength() == 0
                || subscriptions.EnumerateArray().Any(s => s.GetProperty("type").GetString() is not ("EVENT" or "CALLBACK" or "SYSTEM")))
            {
                return Results.Json(new { code = "invalidParameter", message = "subscriptions" }, statusCode: 400);
            }

            var ticket = Guid.NewGuid().ToString();
            _tickets[ticket] = DateTimeOffset.UtcNow.AddSeconds(90);
            var endpoint = new UriBuilder(BaseUrl) { Scheme = "ws", Path = StreamPath }.Uri;
            return Results.Json(new { endpoint = endpoint.ToString(), ticket });
        });

        app.Map(StreamPath, async (HttpContext context) =>
        {
            // Single use, 90 s, checked before the upgrade.
            if (context.Request.Query["ticket"].ToString() is not { Length: > 0 } ticket || !_tickets.TryRemove(ticket, out var expires) || expires < DateTimeOffset.UtcNow)
            {
                context.Response.StatusCode = 401;
                return;
            }

            if (!context.WebSockets.IsWebSocketRequest)
            {
                context.Response.StatusCode = 400;
                return;
            }

            using var webSocket = await context.WebSockets.AcceptWebSocketAsync();
            var socket = new StreamSocket(Interlocked.Increment(ref _socketIds), webSocket);
            _sockets[socket.Id] = socket;
            try
            {
                await ReadAcksAsync(socket);
            }
            finally
            {
                _sockets.TryRemove(socket.Id, out _);
            }
        });

        _ = RedeliverLoopAsync();
    }

    private async Task ReadAcksAsync(StreamSocket socket)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while (socket.WebSocket.State == WebSocketState.Open)
            {
                var result = await socket.WebSocket.ReceiveAsync(buffer, CancellationToken.None);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return;
                }

                using var json = JsonDocument.Parse(buffer.AsMemory(0, result.Count));
                var root = json.RootElement;
                var messageId = root.GetProperty("headers").GetProperty("messageId").GetString()!;
                if (root.GetProperty("code").GetInt32() != 200)
                {
                    continue;
                }

                if (messageId.StartsWith("ping-", StringComparison.Ordinal))
                {
                    using var data = JsonDocument.Parse(root.GetProperty("data").GetString()!);
                    PingAcks.Enqueue(data.RootElement.GetProperty("opaque").GetString()!);
                }
                else if (_pending.TryRemove(messageId, out var pending))
                {
                    Acks[messageId] = (pending.SocketId == socket.Id, Stopwatch.GetElapsedTime(pending.SentAt));
                }
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or JsonException or KeyNotFoundException)
        {
        }
    }

    private async Task RedeliverLoopAsync()
    {
        while (true)
        {
            await Task.Delay(200);
            foreach (var (messageId, pending) in _pending)
            {
                // Kept until a live connection can take it: taken off first, a push due while the bot was reconnecting
                // was lost, which DingTalk does not do (failed so on a loaded machine, where reconnecting took > 2 s).
                if (Stopwatch.GetElapsedTime(pending.SentAt) > RedeliverAfter && PickSocket() is not null && _pending.TryRemove(messageId, out _))
                {
                    Interlocked.Increment(ref _redeliveries);
                    try
                    {
                        await PushAsync(Encoding.UTF8.GetBytes(pending.Data));
                    }
                    catch (Exception ex) when (ex is WebSocketException or InvalidOperationException)
                    {
                        _pending[messageId] = pending;
                    }
                }
            }
        }
    }

    private sealed record Pending(string Data, int SocketId, long SentAt);

    private sealed class StreamSocket(int id, WebSocket webSocket)
    {
        private readonly SemaphoreSlim _send = new(1, 1);

        public int Id => id;

        public WebSocket WebSocket => webSocket;

        public bool GoingAway { get; set; }

        public async Task SendAsync(object frame)
        {
            await _send.WaitAsync();
            try
            {
                await webSocket.SendAsync(JsonSerializer.SerializeToUtf8Bytes(frame), WebSocketMessageType.Text, true, CancellationToken.None);
            }
            finally
            {
                _send.Release();
            }
        }

        public void Abort() => webSocket.Abort();
    }
}
