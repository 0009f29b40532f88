using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace ChatBot.IntegrationTests.Fakes;

/// <summary>
/// WeCom's AI-bot long connection as stream-modes.md §2 and §3.2 describe it: <c>aibot_subscribe</c> first (a bad
/// secret gets 853000 and a close), every command answered under its req_id, one connection per bot (a new subscribe
/// kicks the old one with <c>disconnected_event</c>), <c>aibot_respond_msg</c> only on a message callback's req_id from
/// this connection (846605), one unacknowledged frame per req_id (6000), a constant stream id, nothing after
/// <c>finish</c>, a 6-minute window (846608), ≤ 20,480 bytes; <c>aibot_send_msg</c> only to chats that wrote first.
/// </summary>
public sealed partial class FakeWeComLongConnection(string botId, string secret) : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, Callback> _callbacks = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, bool> _knownChats = new(StringComparer.Ordinal);
    private LoopbackServer? _server;
    private Connection? _current;
    private int _connections;
    private int _subscribes;
    private int _pings;

    public Uri Url { get; private set; } = null!;

    /// <summary>How long WeCom takes to answer a frame: a second frame on the same req_id meanwhile gets 6000.</summary>
    public TimeSpan AckDelay { get; set; }

    public TimeSpan StreamWindow { get; set; } = TimeSpan.FromMinutes(6);

    public int Subscribes => _subscribes;

    public int Pings => _pings;

    public bool Connected => _current is { Subscribed: true, Socket.State: WebSocketState.Open };

    /// <summary>Complete answers: the chat, the content, and how it came (stream or aibot_send_msg).</summary>
    public ConcurrentQueue<(string ChatId, string Content, string How)> Answers { get; } = new();

    /// <summary>Reply frames WeCom refused, by errcode: a well-behaved client has none but 846605 after a reconnect.</summary>
    public ConcurrentQueue<int> Refusals { get; } = new();

    public int NonCumulative { get; private set; }

    public async Task StartAsync()
    {
        _server = await LoopbackServer.StartAsync(app =>
        {
            app.UseWebSockets();
            app.Map("/", ServeAsync);
        });
        Url = new UriBuilder(_server.Url) { Scheme = "ws" }.Uri;
    }

    /// <summary>A user message to the current connection, with a fresh req_id; returns the req_id.</summary>
    public async Task<string> PushAsync(string msgId, string userId, string text, string? chatId = null)
    {
        var connection = _current is { Subscribed: true } current ? current : throw new InvalidOperationException("no subscribed connection");
        var reqId = $"aibot_msg_callback_{Guid.NewGuid():N}"[..40];
        _callbacks[reqId] = new Callback(connection.Id, chatId ?? userId);
        _knownChats[chatId ?? userId] = true;
        await connection.SendAsync(new JsonObject
        {
            ["cmd"] = "aibot_msg_callback",
            ["headers"] = new JsonObject { ["req_id"] = reqId },
            ["body"] = new JsonObject
            {
                ["msgid"] = msgId, ["aibotid"] = botId, ["chattype"] = chatId is null ? "single" : "group", ["chatid"] = chatId,
                ["from"] = new JsonObject { ["userid"] = userId }, ["msgtype"] = "text", ["text"] = new JsonObject { ["content"] = text },
            },
        });
        return reqId;
    }

    /// <summary>The user opened the bot's DM (enter_chat): the bot may answer it once, with aibot_respond_welcome_msg, within 5 s.</summary>
    public async Task PushEnterChatAsync(string userId)
    {
        var connection = _current is { Subscribed: true } current ? current : throw new InvalidOperationException("no subscribed connection");
        var reqId = $"aibot_event_callback_{Guid.NewGuid():N}"[..40];
        _events[reqId] = (connection.Id, userId, DateTimeOffset.UtcNow);
        await connection.SendAsync(new JsonObject
        {
            ["cmd"] = "aibot_event_callback",
            ["headers"] = new JsonObject { ["req_id"] = reqId },
            ["body"] = new JsonObject
            {
                ["msgid"] = "ev" + Guid.NewGuid().ToString("N")[..12], ["aibotid"] = botId, ["chattype"] = "single", ["create_time"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
                ["from"] = new JsonObject { ["userid"] = userId }, ["msgtype"] = "event", ["event"] = new JsonObject { ["eventtype"] = "enter_chat" },
            },
        });
    }

    /// <summary>Welcomes taken: the user, the text, and how long after the event it came.</summary>
    public ConcurrentQueue<(string UserId, string Content, TimeSpan After)> Welcomes { get; } = new();

    private readonly ConcurrentDictionary<string, (int ConnectionId, string UserId, DateTimeOffset At)> _events = new();

    /// <summary>Drops the connection without a close frame, as a network failure does.</summary>
    public void Kill()
    {
        _current?.Socket.Abort();
        _current = null;
    }

    /// <summary>Another client subscribes with the same bot: WeCom gives it the connection and kicks the current one.</summary>
    public async Task KickAsync()
    {
        if (_current is { } old)
        {
            Interlocked.Increment(ref _subscribes);
            await KickAsync(old);
            _current = null;
        }
    }

    private static async Task KickAsync(Connection old)
    {
        if (old.Socket.State != WebSocketState.Open)
        {
            return;
        }

        await old.SendAsync(new JsonObject
        {
            ["cmd"] = "aibot_event_callback",
            ["headers"] = new JsonObject { ["req_id"] = $"aibot_event_callback_{Guid.NewGuid():N}" },
            ["body"] = new JsonObject
            {
                // Only what stream-modes.md §2.2 lists for an event: msgtype, the event, create_time (no msgid, no sender).
                ["create_time"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(), ["aibotid"] = "bot",
                ["msgtype"] = "event", ["event"] = new JsonObject { ["eventtype"] = "disconnected_event" },
            },
        });
        await Task.Delay(200);
        old.Socket.Abort();
    }

    private async Task ServeAsync(HttpContext context)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = 400;
            return;
        }

        using var socket = await context.WebSockets.AcceptWebSocketAsync();
        var connection = new Connection(Interlocked.Increment(ref _connections), socket);
        var buffer = new byte[256 * 1024];
        try
        {
            while (socket.State == WebSocketState.Open)
            {
                using var timeout = new CancellationTokenSource(connection.Subscribed ? TimeSpan.FromMinutes(5) : TimeSpan.FromSeconds(5));
                var result = await socket.ReceiveAsync(buffer, timeout.Token);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return;
                }

                var frame = JsonNode.Parse(Encoding.UTF8.GetString(buffer, 0, result.Count))!;
                var reqId = frame["headers"]!["req_id"]!.GetValue<string>();
                var errcode = await HandleAsync(connection, frame["cmd"]!.GetValue<string>(), reqId, frame["body"]);
                _ = AnswerAsync(connection, reqId, errcode);
                if (errcode == 853000)
                {
                    await Task.Delay(100);
                    return;
                }
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
        {
        }
    }

    private async Task AnswerAsync(Connection connection, string reqId, int errcode)
    {
        if (AckDelay > TimeSpan.Zero)
        {
            await Task.Delay(AckDelay);
        }

        if (errcode != 6000)
        {
            connection.InFlight.TryRemove(reqId, out _);
        }

        try
        {
            await connection.SendAsync(new JsonObject { ["headers"] = new JsonObject { ["req_id"] = reqId }, ["errcode"] = errcode, ["errmsg"] = errcode == 0 ? "ok" : "error" });
        }
        catch (WebSocketException)
        {
        }
    }

    private async Task<int> HandleAsync(Connection connection, string cmd, string reqId, JsonNode? body)
    {
        if (!connection.Subscribed && cmd != "aibot_subscribe")
        {
            return 40001;
        }

        switch (cmd)
        {
            case "aibot_subscribe":
                Interlocked.Increment(ref _subscribes);
                if (body?["bot_id"]?.GetValue<string>() != botId || body?["secret"]?.GetValue<string>() != secret)
                {
                    return 853000;
                }

                if (_current is { } old && old != connection)
                {
                    await KickAsync(old);
                }

                connection.Subscribed = true;
                _current = connection;
                return 0;
            case "ping":
                Interlocked.Increment(ref _pings);
                return 0;
            case "aibot_respond_msg":
                return Refused(RespondTo(connection, reqId, body!));
            case "aibot_respond_welcome_msg":
                // Only on an enter_chat event's own req_id, once, within 5 s, as text (stream-modes.md §2.3).
                if (!_events.TryRemove(reqId, out var entered) || entered.ConnectionId != connection.Id)
                {
                    return Refused(846605);
                }

                if (DateTimeOffset.UtcNow - entered.At > TimeSpan.FromSeconds(5) || body?["msgtype"]?.GetValue<string>() != "text")
                {
                    return Refused(40058);
                }

                Welcomes.Enqueue((entered.UserId, body["text"]!["content"]!.GetValue<string>(), DateTimeOffset.UtcNow - entered.At));
                return 0;
            case "aibot_send_msg":
                var chatId = body!["chatid"]!.GetValue<string>();
                if (!_knownChats.ContainsKey(chatId))
                {
                    return Refused(93006);
                }

                Answers.Enqueue((chatId, body["markdown"]!["content"]!.GetValue<string>(), "aibot_send_msg"));
                return 0;
            default:
                return 40058;
        }
    }

    private int RespondTo(Connection connection, string reqId, JsonNode body)
    {
        if (!_callbacks.TryGetValue(reqId, out var callback) || callback.ConnectionId != connection.Id)
        {
            return 846605;
        }

        if (!connection.InFlight.TryAdd(reqId, true))
        {
            return 6000;
        }

        var stream = body["stream"]!;
        var id = stream["id"]!.GetValue<string>();
        var content = stream["content"]!.GetValue<string>();
        lock (callback)
        {
            callback.FirstFrame ??= DateTimeOffset.UtcNow;
            if (DateTimeOffset.UtcNow - callback.FirstFrame > StreamWindow)
            {
                return 846608;
            }

            if ((callback.StreamId ??= id) != id || callback.Finished || Encoding.UTF8.GetByteCount(content) > 20480)
            {
                return 40058;
            }

            if (!content.StartsWith(callback.Content, StringComparison.Ordinal))
            {
                NonCumulative++;
            }

            callback.Content = content;
            if (stream["finish"]!.GetValue<bool>())
            {
                callback.Finished = true;
                Answers.Enqueue((callback.ChatId, content, "stream"));
            }
        }

        return 0;
    }

    private int Refused(int errcode)
    {
        if (errcode != 0)
        {
            Refusals.Enqueue(errcode);
        }

        return errcode;
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
