using ChatBot.Core.Connections;
using Microsoft.Extensions.Logging;

namespace ChatBot.DingTalk.LongConnection;

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
    private readonly TextSocket _socket;
    private readonly Func<string, CancellationToken, Task<bool>> _onRobotMessage;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _inFlight = new(MaxInFlight, MaxInFlight);
    private readonly TaskCompletionSource _goingAway = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _frames;

    private StreamConnection(TextSocket socket, Func<string, CancellationToken, Task<bool>> onRobotMessage, ILogger logger)
    {
        _socket = socket;
        _onRobotMessage = onRobotMessage;
        _logger = logger;
    }

    /// <summary>Completes when the gateway announced <c>disconnect</c>: deliveries to this socket have stopped.</summary>
    public Task GoingAway => _goingAway.Task;

    public long FramesReceived => Interlocked.Read(ref _frames);

    /// <param name="keepAlive">A WebSocket ping this often, unanswered as long, closes the socket: a dead-but-open connection is found, not waited on.</param>
    /// <param name="onRobotMessage">The robot message JSON → whether to acknowledge it (false: leave it for redelivery).</param>
    public static async Task<StreamConnection> ConnectAsync(Uri endpoint, string ticket, TimeSpan keepAlive,
        Func<string, CancellationToken, Task<bool>> onRobotMessage, ILogger logger, CancellationToken cancellationToken) =>
        // The endpoint is used as returned (its host and path vary); the ticket is its only query.
        new(await TextSocket.ConnectAsync(new UriBuilder(endpoint) { Query = "ticket=" + Uri.EscapeDataString(ticket) }.Uri, MaxFrameBytes, keepAlive, cancellationToken),
            onRobotMessage, logger);

    /// <summary>Reads until the socket closes or fails; returns normally either way.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        while (await _socket.ReceiveAsync(cancellationToken) is { } frame)
        {
            Interlocked.Increment(ref _frames);
            await DispatchAsync(StreamFrame.Parse(frame.Span), cancellationToken);
        }

        if (_socket.Oversized > 0)
        {
            LogFrameTooLarge(_logger, _socket.Oversized);
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
                await _socket.SendAsync(StreamFrame.Ack(id, frame.Data), cancellationToken);
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
                await _socket.SendAsync(StreamFrame.Ack(messageId, CallbackAckData), cancellationToken);
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

    public ValueTask DisposeAsync() => _socket.DisposeAsync();

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
