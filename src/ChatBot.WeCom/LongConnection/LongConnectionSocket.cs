using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;

namespace ChatBot.WeCom.LongConnection;

/// <summary>
/// The AI bot's long-connection socket (stream-modes.md §2.2): JSON frames <c>{cmd, headers:{req_id}, body}</c>.
/// Commands are answered <c>{headers:{req_id}, errcode, errmsg}</c> under the same req_id; this matches each answer to
/// its command and hands inbound callbacks to the reader. One send at a time.
/// </summary>
internal sealed class LongConnectionSocket : IAsyncDisposable
{
    public const int MaxFrameBytes = 1024 * 1024;
    private readonly ClientWebSocket _socket;
    private readonly SemaphoreSlim _send = new(1, 1);
    private readonly ConcurrentDictionary<string, TaskCompletionSource<int>> _answers = new(StringComparer.Ordinal);
    private readonly Channel<JsonDocument> _commands = Channel.CreateBounded<JsonDocument>(256);
    private readonly Task _reading;

    private LongConnectionSocket(ClientWebSocket socket)
    {
        _socket = socket;
        // Read from the start: the answer to subscribe arrives before anyone asks for a callback.
        _reading = Task.Run(ReadAsync);
    }

    public static async Task<LongConnectionSocket> ConnectAsync(Uri url, CancellationToken cancellationToken)
    {
        var socket = new ClientWebSocket();
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(10));
            await socket.ConnectAsync(url, timeout.Token);
            return new LongConnectionSocket(socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public bool IsOpen => _socket.State == WebSocketState.Open;

    /// <summary>req_ids in the SDK's form: <c>&lt;cmd&gt;_&lt;epoch-ms&gt;_&lt;8 hex&gt;</c>; the server only echoes them.</summary>
    public static string NewReqId(string cmd) => $"{cmd}_{DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()}_{Guid.NewGuid().ToString("N")[..8]}";

    /// <summary>Sends a command and waits for its answer's errcode (or throws <see cref="TimeoutException"/>).</summary>
    public async Task<int> CommandAsync(string cmd, string reqId, object? body, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var answer = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_answers.TryAdd(reqId, answer))
        {
            throw new InvalidOperationException($"a command on {reqId} is still waiting for its answer");
        }

        try
        {
            var frame = new JsonObject { ["cmd"] = cmd, ["headers"] = new JsonObject { ["req_id"] = reqId } };
            if (body is not null)
            {
                frame["body"] = JsonSerializer.SerializeToNode(body);
            }

            await SendAsync(JsonSerializer.SerializeToUtf8Bytes(frame), cancellationToken);
            return await answer.Task.WaitAsync(timeout, cancellationToken);
        }
        finally
        {
            _answers.TryRemove(reqId, out _);
        }
    }

    /// <summary>The next inbound command (a callback or an event), or null once the socket closed or failed.</summary>
    public async Task<JsonDocument?> ReadCommandAsync(CancellationToken cancellationToken)
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
        var buffer = new byte[16 * 1024];
        using var frame = new MemoryStream();
        try
        {
            while (_socket.State == WebSocketState.Open)
            {
                var result = await _socket.ReceiveAsync(buffer, CancellationToken.None);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return;
                }

                frame.Write(buffer, 0, result.Count);
                if (frame.Length > MaxFrameBytes)
                {
                    return;
                }

                if (!result.EndOfMessage)
                {
                    continue;
                }

                JsonDocument document;
                try
                {
                    document = JsonDocument.Parse(frame.ToArray());
                }
                catch (JsonException)
                {
                    continue;
                }
                finally
                {
                    frame.SetLength(0);
                }

                var root = document.RootElement;
                if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("cmd", out _))
                {
                    await _commands.Writer.WriteAsync(document);
                    continue;
                }

                if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("headers", out var headers) && headers.ValueKind == JsonValueKind.Object
                    && headers.TryGetProperty("req_id", out var reqId) && reqId.GetString() is { } id && _answers.TryGetValue(id, out var waiting))
                {
                    waiting.TrySetResult(root.TryGetProperty("errcode", out var code) && code.ValueKind == JsonValueKind.Number ? code.GetInt32() : 0);
                }

                document.Dispose();
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException or ObjectDisposedException)
        {
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

    private async Task SendAsync(byte[] frame, CancellationToken cancellationToken)
    {
        await _send.WaitAsync(cancellationToken);
        try
        {
            await _socket.SendAsync(frame, WebSocketMessageType.Text, endOfMessage: true, cancellationToken);
        }
        finally
        {
            _send.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _socket.Abort();
        await _reading.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _socket.Dispose();
    }
}
