using System.Net.WebSockets;

namespace ChatBot.Core.Connections;

/// <summary>
/// A WebSocket that carries whole JSON text messages, as both long-connection gateways use it: connected with a
/// deadline, messages read whole up to a size cap (a bigger one closes the socket), one send at a time.
/// </summary>
public sealed class TextSocket : IAsyncDisposable
{
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(10);
    private readonly WebSocket _socket;
    private readonly int _maxMessageBytes;
    private readonly SemaphoreSlim _send = new(1, 1);
    private readonly byte[] _buffer = new byte[16 * 1024];
    private readonly MemoryStream _message = new();

    public TextSocket(WebSocket socket, int maxMessageBytes)
    {
        _socket = socket;
        _maxMessageBytes = maxMessageBytes;
    }

    public bool IsOpen => _socket.State == WebSocketState.Open;

    /// <summary>The size of the message that made the socket close for being over the cap; 0 when none did.</summary>
    public long Oversized { get; private set; }

    /// <param name="keepAlive">WebSocket pings this often, closing the socket when one goes unanswered as long; null: none.</param>
    public static async Task<TextSocket> ConnectAsync(Uri url, int maxMessageBytes, TimeSpan? keepAlive, CancellationToken cancellationToken)
    {
        var socket = new ClientWebSocket();
        if (keepAlive is { } interval)
        {
            socket.Options.KeepAliveInterval = interval;
            socket.Options.KeepAliveTimeout = interval;
        }

        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(ConnectTimeout);
            await socket.ConnectAsync(url, timeout.Token);
            return new TextSocket(socket, maxMessageBytes);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>The next whole message, valid until the next call.</summary>
    /// <returns>Null once the socket closed (a close is answered), failed, or sent a message over the cap.</returns>
    public async Task<ReadOnlyMemory<byte>?> ReceiveAsync(CancellationToken cancellationToken)
    {
        try
        {
            _message.SetLength(0);
            while (_socket.State == WebSocketState.Open)
            {
                var result = await _socket.ReceiveAsync(_buffer, cancellationToken);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
                    return null;
                }

                _message.Write(_buffer, 0, result.Count);
                if (_message.Length > _maxMessageBytes)
                {
                    Oversized = _message.Length;
                    await _socket.CloseOutputAsync(WebSocketCloseStatus.MessageTooBig, null, CancellationToken.None);
                    return null;
                }

                if (result.EndOfMessage)
                {
                    return _message.GetBuffer().AsMemory(0, (int)_message.Length);
                }
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException or ObjectDisposedException)
        {
            // A dropped or silent socket ends here; its owner decides what comes next.
        }

        return null;
    }

    /// <summary>Sends one whole text message; sends never interleave.</summary>
    /// <returns>False when the socket is no longer open.</returns>
    public async Task<bool> SendAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken)
    {
        await _send.WaitAsync(cancellationToken);
        try
        {
            if (!IsOpen)
            {
                return false;
            }

            await _socket.SendAsync(message, WebSocketMessageType.Text, endOfMessage: true, cancellationToken);
            return true;
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
        _message.Dispose();
        return ValueTask.CompletedTask;
    }
}
