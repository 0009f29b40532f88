using System.Net.WebSockets;
using Microsoft.Extensions.Logging;

namespace ChatBot.DingTalk.Stream;

/// <summary>
/// One Stream-mode socket (stream-modes.md §1.2–§1.5): reads frames, answers <c>ping</c>, hands robot messages to
/// the handler and acknowledges each on this same socket as soon as the handler has decided, and reports a
/// <c>disconnect</c> so the next connection opens before this one drains. A socket that stops answering WebSocket
/// pings is closed by the keep-alive rather than waited on.
/// </summary>
internal sealed partial class StreamConnection : IAsyncDisposable
{
    /// <summary>Inbound frames above this are refused (the Java SDK caps them at 256 KiB too).</summary>
    public const int MaxFrameBytes = 256 * 1024;

    /// <summary>Robot messages being decided at once; past it a push is left unacknowledged, and DingTalk delivers it again.</summary>
    public const int MaxInFlight = 64;

    private const string CallbackAckData = """{"response":null}""";
    private readonly ClientWebSocket _socket;
    private readonly Func<string, CancellationToken, Task<bool>> _onRobotMessage;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _send = new(1, 1);
    private readonly SemaphoreSlim _inFlight = new(MaxInFlight, MaxInFlight);
    private readonly TaskCompletionSource _goingAway = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _frames;

    private StreamConnection(ClientWebSocket socket, Func<string, CancellationToken, Task<bool>> onRobotMessage, ILogger logger)
    {
        _socket = socket;
        _onRobotMessage = onRobotMessage;
        _logger = logger;
    }

    /// <summary>Completes when the gateway announced <c>disconnect</c>: deliveries to this socket have stopped.</summary>
    public Task GoingAway => _goingAway.Task;

    public long FramesReceived => Interlocked.Read(ref _frames);

    /// <param name="onRobotMessage">The robot message JSON → whether to acknowledge it (false: leave it for redelivery).</param>
    public static async Task<StreamConnection> ConnectAsync(Uri endpoint, string ticket, TimeSpan keepAlive,
        Func<string, CancellationToken, Task<bool>> onRobotMessage, ILogger logger, CancellationToken cancellationToken)
    {
        var socket = new ClientWebSocket();
        socket.Options.KeepAliveInterval = keepAlive;
        // A ping not answered within this closes the socket: a dead-but-open connection is found, not waited on.
        socket.Options.KeepAliveTimeout = keepAlive;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(10));
            // The endpoint is used as returned (its host and path vary); the ticket is its only query.
            await socket.ConnectAsync(new UriBuilder(endpoint) { Query = "ticket=" + Uri.EscapeDataString(ticket) }.Uri, timeout.Token);
            return new StreamConnection(socket, onRobotMessage, logger);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Reads until the socket closes or fails; returns normally either way.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var buffer = new byte[16 * 1024];
        using var frame = new MemoryStream();
        try
        {
            while (_socket.State == WebSocketState.Open)
            {
                var result = await _socket.ReceiveAsync(buffer, cancellationToken);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
                    return;
                }

                frame.Write(buffer, 0, result.Count);
                if (frame.Length > MaxFrameBytes)
                {
                    LogFrameTooLarge(_logger, frame.Length);
                    await _socket.CloseOutputAsync(WebSocketCloseStatus.MessageTooBig, null, CancellationToken.None);
                    return;
                }

                if (result.EndOfMessage)
                {
                    Interlocked.Increment(ref _frames);
                    await DispatchAsync(StreamFrame.Parse(frame.GetBuffer().AsSpan(0, (int)frame.Length)), cancellationToken);
                    frame.SetLength(0);
                }
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException or ObjectDisposedException)
        {
            // A dropped or silent socket ends here; the client opens the next one.
        }
    }

    /// <summary>After <c>disconnect</c>: the gateway closes in about 10 s; whatever still arrives is handled until then.</summary>
    public async Task DrainAsync(Task run, TimeSpan within)
    {
        await Task.WhenAny(run, Task.Delay(within));
        await DisposeAsync();
    }

    private async Task DispatchAsync(StreamFrame? frame, CancellationToken cancellationToken)
    {
        switch (frame)
        {
            case null:
                LogMalformedFrame(_logger);
                return;
            case { Type: "SYSTEM", Topic: StreamTopics.Ping, MessageId: { } id }:
                // The ack echoes data (its opaque), which is what the gateway checks.
                await SendAsync(StreamFrame.Ack(id, frame.Data), cancellationToken);
                return;
            case { Type: "SYSTEM", Topic: StreamTopics.Disconnect }:
                LogGoingAway(_logger);
                _goingAway.TrySetResult();
                return;
            case { Type: "CALLBACK", Topic: StreamTopics.RobotMessage, MessageId: { } id }:
                if (!await _inFlight.WaitAsync(0, cancellationToken))
                {
                    LogSaturated(_logger, MaxInFlight);
                    return;
                }

                // Decided off the read loop, so pings keep being answered while intake works.
                _ = Task.Run(() => DecideAsync(id, frame.Data, cancellationToken), CancellationToken.None);
                return;
            default:
                // CONNECTED, REGISTERED, KEEPALIVE and topics not subscribed: nothing to do (stream-modes.md §1.4).
                LogIgnored(_logger, frame.Type, frame.Topic);
                return;
        }
    }

    private async Task DecideAsync(string messageId, string data, CancellationToken cancellationToken)
    {
        try
        {
            if (await _onRobotMessage(data, cancellationToken))
            {
                await SendAsync(StreamFrame.Ack(messageId, CallbackAckData), cancellationToken);
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Not acknowledged: DingTalk delivers it again, and the shared dedupe makes that safe.
            LogDecisionFailed(_logger, ex.GetType().Name);
        }
        finally
        {
            _inFlight.Release();
        }
    }

    private async Task SendAsync(byte[] frame, CancellationToken cancellationToken)
    {
        await _send.WaitAsync(cancellationToken);
        try
        {
            if (_socket.State == WebSocketState.Open)
            {
                await _socket.SendAsync(frame, WebSocketMessageType.Text, endOfMessage: true, cancellationToken);
            }
        }
        finally
        {
            _send.Release();
        }
    }

    public ValueTask DisposeAsync()
    {
        _socket.Abort();
        _socket.Dispose();
        return ValueTask.CompletedTask;
    }

    [LoggerMessage(EventId = 3021, Level = LogLevel.Information, Message = "DingTalk Stream: the gateway announced disconnect; opening the next connection while this one drains")]
    private static partial void LogGoingAway(ILogger logger);

    [LoggerMessage(EventId = 3022, Level = LogLevel.Warning, Message = "DingTalk Stream: a frame that is not JSON was ignored")]
    private static partial void LogMalformedFrame(ILogger logger);

    [LoggerMessage(EventId = 3023, Level = LogLevel.Warning, Message = "DingTalk Stream: {InFlight} messages are being decided; this push is left for DingTalk to deliver again")]
    private static partial void LogSaturated(ILogger logger, int inFlight);

    [LoggerMessage(EventId = 3024, Level = LogLevel.Debug, Message = "DingTalk Stream: {Type} frame on '{Topic}' ignored")]
    private static partial void LogIgnored(ILogger logger, string type, string topic);

    [LoggerMessage(EventId = 3025, Level = LogLevel.Warning, Message = "DingTalk Stream: a push could not be decided ({ErrorType}); left unacknowledged for redelivery")]
    private static partial void LogDecisionFailed(ILogger logger, string errorType);

    [LoggerMessage(EventId = 3026, Level = LogLevel.Warning, Message = "DingTalk Stream: a frame of {Bytes} bytes is over the limit; the socket is closed")]
    private static partial void LogFrameTooLarge(ILogger logger, long bytes);
}
