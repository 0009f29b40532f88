using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using System.Threading.Channels;
using ChatBot.Core.Connections;
using ChatBot.WeCom.Callbacks;

namespace ChatBot.WeCom.LongConnection;

/// <summary>
/// The AI bot's long-connection socket (stream-modes.md §2.2): JSON frames <c>{cmd, headers:{req_id}, body}</c>.
/// Commands are answered <c>{headers:{req_id}, errcode, errmsg}</c> under the same req_id; this matches each answer to
/// its command and hands inbound callbacks to the reader.
/// </summary>
internal sealed class LongConnectionSocket : IAsyncDisposable
{
    public const int MaxFrameBytes = 1024 * 1024;
    private readonly TextSocket _socket;
    private readonly ConcurrentDictionary<string, TaskCompletionSource<int>> _answers = new(StringComparer.Ordinal);
    private readonly Channel<AiBotFrameJson> _commands = Channel.CreateBounded<AiBotFrameJson>(256);
    private readonly Task _reading;

    private LongConnectionSocket(TextSocket socket)
    {
        _socket = socket;
        // Read from the start: the answer to subscribe arrives before anyone asks for a callback.
        _reading = Task.Run(ReadAsync);
    }

    /// <remarks>No WebSocket keep-alive: WeCom's own heartbeat (a <c>ping</c> command) finds a dead link.</remarks>
    public static async Task<LongConnectionSocket> ConnectAsync(Uri url, CancellationToken cancellationToken) =>
        new(await TextSocket.ConnectAsync(url, MaxFrameBytes, keepAlive: null, cancellationToken));

    /// <summary>req_ids in the SDK's form: <c>&lt;cmd&gt;_&lt;epoch-ms&gt;_&lt;8 hex&gt;</c>; the server only echoes them.</summary>
    public static string NewReqId(string cmd) => $"{cmd}_{DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()}_{Guid.NewGuid().ToString("N")[..8]}";

    /// <summary>Sends a command and waits for its answer's errcode (or throws <see cref="TimeoutException"/>).</summary>
    public Task<int> CommandAsync(string cmd, string reqId, TimeSpan timeout, CancellationToken cancellationToken) =>
        CommandAsync(cmd, reqId, null, timeout, cancellationToken);

    /// <summary>Sends a command with a body (one of <see cref="WeComJson"/>'s) and waits for its answer's errcode.</summary>
    public Task<int> CommandAsync<T>(string cmd, string reqId, T body, JsonTypeInfo<T> type, TimeSpan timeout, CancellationToken cancellationToken) =>
        CommandAsync(cmd, reqId, JsonSerializer.SerializeToElement(body, type), timeout, cancellationToken);

    private async Task<int> CommandAsync(string cmd, string reqId, JsonElement? body, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var answer = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_answers.TryAdd(reqId, answer))
        {
            throw new InvalidOperationException($"a command on {reqId} is still waiting for its answer");
        }

        try
        {
            var frame = new AiBotCommand(cmd, new AiBotFrameHeaders(reqId), body);
            if (!await _socket.SendAsync(JsonSerializer.SerializeToUtf8Bytes(frame, WeComJson.Default.AiBotCommand), cancellationToken))
            {
                throw new WebSocketException("the connection closed");
            }

            return await answer.Task.WaitAsync(timeout, cancellationToken);
        }
        finally
        {
            _answers.TryRemove(reqId, out _);
        }
    }

    /// <summary>The next inbound command (a callback or an event), or null once the socket closed or failed.</summary>
    public async Task<AiBotFrameJson?> ReadCommandAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await _commands.Reader.ReadAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is ChannelClosedException or OperationCanceledException)
        {
            return null;
        }
    }

    /// <summary>Every frame: answers to our commands are matched by req_id; commands queue for the reader.</summary>
    private async Task ReadAsync()
    {
        try
        {
            while (await _socket.ReceiveAsync(CancellationToken.None) is { } message)
            {
                AiBotFrameJson? frame;
                try
                {
                    // Read whole: the socket reuses its buffer for the next message, and a command waits in the queue.
                    frame = JsonSerializer.Deserialize(message.Span, AiBotFrameContext.Default.AiBotFrameJson);
                }
                catch (Exception ex) when (ex is JsonException or InvalidOperationException)
                {
                    continue;
                }

                if (frame?.Cmd is not null)
                {
                    await _commands.Writer.WriteAsync(frame);
                }
                else if (frame?.Headers.Value?.ReqId is { } id && _answers.TryGetValue(id, out var waiting))
                {
                    waiting.TrySetResult(frame.Errcode.ValueKind == JsonValueKind.Number && frame.Errcode.TryGetInt32(out var errcode) ? errcode : 0);
                }
            }
        }
        finally
        {
            _commands.Writer.TryComplete();
            foreach (var waiting in _answers.Values)
            {
                waiting.TrySetException(new WebSocketException("the connection closed"));
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _socket.DisposeAsync();
        await _reading.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }
}
