using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ChatBot.Core.Connections;
using ChatBot.Host.Cli;

namespace ChatBot.Host.Demo;

/// <summary>
/// The demo profile's stand-in for the platforms' long-connection gateways, when a channel runs in DingTalk Stream
/// or WeCom long-connection mode: a loopback listener (<c>Demo:GatewayPort</c>) that the bot's own clients connect
/// to exactly as they connect to DingTalk and WeCom, and that <c>simulate</c> asks to push a message. Loopback only;
/// it speaks just enough of each protocol for the bot's clients (open and ticket, pushes and acks; subscribe, ping,
/// callbacks, and an answer to every command).
/// </summary>
internal sealed class DemoGateway(int port, string dingTalkRobot, string weComBot) : IHostedService, IAsyncDisposable
{
    public const int DefaultPort = 5089;
    private readonly ConcurrentDictionary<string, TextSocket> _sockets = new(StringComparer.Ordinal);
    private WebApplication? _app;

    public static Uri BaseUrl(int port) => new($"http://127.0.0.1:{port}/");

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls(BaseUrl(port).ToString());
        var app = builder.Build();
        app.UseWebSockets();
        app.Use(async (context, next) =>
        {
            if (context.Connection.RemoteIpAddress is { } ip && System.Net.IPAddress.IsLoopback(ip))
            {
                await next(context);
            }
            else
            {
                context.Response.StatusCode = StatusCodes.Status403Forbidden;
            }
        });
        app.MapPost("/v1.0/gateway/connections/open", () =>
            Results.Json(new { endpoint = $"ws://127.0.0.1:{port}/dingtalk", ticket = Guid.NewGuid().ToString() }));
        app.Map("/dingtalk", context => ServeAsync(context, "dingtalk"));
        app.Map("/wecom", context => ServeAsync(context, "wecom"));
        app.MapPost("/push/{platform}", PushAsync);
        await app.StartAsync(cancellationToken);
        _app = app;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_app is not null)
        {
            await _app.StopAsync(cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }

    private async Task ServeAsync(HttpContext context, string platform)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }

        await using var socket = new TextSocket(await context.WebSockets.AcceptWebSocketAsync(), 64 * 1024);
        _sockets[platform] = socket;
        while (await socket.ReceiveAsync(context.RequestAborted) is { } message)
        {
            // DingTalk's acks need no answer; every WeCom command is answered under its req_id.
            if (platform == "wecom" && TryReqId(message) is { } reqId)
            {
                await SendAsync(socket, new JsonObject { ["headers"] = new JsonObject { ["req_id"] = reqId }, ["errcode"] = 0, ["errmsg"] = "ok" });
            }
        }
    }

    private static string? TryReqId(ReadOnlyMemory<byte> message)
    {
        try
        {
            return JsonNode.Parse(message.Span)?["headers"]?["req_id"]?.GetValue<string>();
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary><c>{"msgId","user","text","group"?}</c> → pushed to the bot over its connection, as the platform would.</summary>
    private async Task<IResult> PushAsync(string platform, HttpRequest request)
    {
        var message = await JsonNode.ParseAsync(request.Body);
        var (msgId, user, text, group) = (message?["msgId"]?.GetValue<string>(), message?["user"]?.GetValue<string>(), message?["text"]?.GetValue<string>(), message?["group"]?.GetValue<string>());
        if (msgId is null || user is null || text is null)
        {
            return Results.BadRequest("msgId, user and text are required");
        }

        if (!_sockets.TryGetValue(platform, out var socket) || !socket.IsOpen)
        {
            return Results.StatusCode(StatusCodes.Status503ServiceUnavailable);
        }

        JsonObject frame = platform == "dingtalk"
            ? new()
            {
                ["specVersion"] = "1.0",
                ["type"] = "CALLBACK",
                ["headers"] = new JsonObject { ["messageId"] = Guid.NewGuid().ToString("N"), ["topic"] = "/v1.0/im/bot/messages/get", ["contentType"] = "application/json" },
                ["data"] = Encoding.UTF8.GetString(SimulatedCallback.DingTalkBody(msgId, user, text, group, DateTimeOffset.UtcNow, robotCode: dingTalkRobot)),
            }
            : new()
            {
                ["cmd"] = "aibot_msg_callback",
                ["headers"] = new JsonObject { ["req_id"] = $"aibot_msg_callback_{Guid.NewGuid():N}" },
                ["body"] = new JsonObject
                {
                    ["msgid"] = msgId, ["aibotid"] = weComBot, ["chattype"] = group is null ? "single" : "group", ["chatid"] = group,
                    ["from"] = new JsonObject { ["userid"] = user }, ["msgtype"] = "text", ["text"] = new JsonObject { ["content"] = text },
                },
            };
        return await SendAsync(socket, frame) ? Results.Ok() : Results.StatusCode(StatusCodes.Status503ServiceUnavailable);
    }

    private static Task<bool> SendAsync(TextSocket socket, JsonNode frame) => socket.SendAsync(Encoding.UTF8.GetBytes(frame.ToJsonString()), CancellationToken.None);
}
