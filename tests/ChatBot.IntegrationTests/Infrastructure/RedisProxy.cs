using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace ChatBot.IntegrationTests.Infrastructure;

/// <summary>
/// A TCP proxy on loopback in front of a Redis server, to play a slow or unreachable Redis. Commands always reach
/// Redis at once; <see cref="ResponseDelay"/> holds Redis's answers back (each chunk for that long after it
/// arrived, order kept) — so a command lands while its client times out, the case that leaks claims.
/// <see cref="Blackhole"/> stops all traffic both ways until lifted, with the connections kept open.
/// </summary>
public sealed class RedisProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly IPEndPoint _upstream;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<TcpClient> _connections = [];
    private volatile bool _blackhole;

    public RedisProxy(string upstreamEndpoint)
    {
        var parts = upstreamEndpoint.Split(':');
        _upstream = new IPEndPoint(IPAddress.Parse(parts[0]), int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture));
        _listener.Start();
        _ = AcceptAsync();
    }

    public string Endpoint => $"127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

    public TimeSpan ResponseDelay { get; set; }

    public bool Blackhole
    {
        get => _blackhole;
        set => _blackhole = value;
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            var server = new TcpClient();
            try
            {
                await server.ConnectAsync(_upstream, _stop.Token);
            }
            catch (Exception ex) when (ex is SocketException or OperationCanceledException)
            {
                client.Dispose();
                server.Dispose();
                continue;
            }

            lock (_connections)
            {
                _connections.Add(client);
                _connections.Add(server);
            }

            _ = PumpAsync(client.GetStream(), server.GetStream(), delayed: false);
            _ = PumpAsync(server.GetStream(), client.GetStream(), delayed: true);
        }
    }

    private async Task PumpAsync(NetworkStream from, NetworkStream to, bool delayed)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                var read = await from.ReadAsync(buffer, _stop.Token);
                if (read == 0)
                {
                    break;
                }

                var arrived = Stopwatch.GetTimestamp();
                while (_blackhole)
                {
                    await Task.Delay(20, _stop.Token);
                }

                if (delayed && ResponseDelay - Stopwatch.GetElapsedTime(arrived) is { } wait && wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, _stop.Token);
                }

                await to.WriteAsync(buffer.AsMemory(0, read), _stop.Token);
            }
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException or SocketException)
        {
            // A side closed; the other side's pump ends with it.
        }
        finally
        {
            from.Close();
            to.Close();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        lock (_connections)
        {
            foreach (var connection in _connections)
            {
                connection.Dispose();
            }
        }

        _stop.Dispose();
    }
}
