namespace ChatBot.Core.Connections;

/// <summary>
/// What <c>/readyz</c> says of a long connection: connected since when, how many reconnects, or why it is not
/// connected. Written by the connection's own loop, read by the health check at any time.
/// </summary>
public sealed class ConnectionStatus
{
    private long _connectedSinceMs; // 0 while not connected
    private int _reconnects;
    private string? _problem;

    public int Reconnects => Volatile.Read(ref _reconnects);

    /// <summary>Why it is not connected (null once connected).</summary>
    public string? Problem
    {
        get => Volatile.Read(ref _problem);
        set => Volatile.Write(ref _problem, value);
    }

    public bool IsConnected => Interlocked.Read(ref _connectedSinceMs) > 0;

    public void Connected(DateTimeOffset at)
    {
        Interlocked.Exchange(ref _connectedSinceMs, at.ToUnixTimeMilliseconds());
        Problem = null;
    }

    public void Disconnected() => Interlocked.Exchange(ref _connectedSinceMs, 0);

    public void Reconnecting() => Interlocked.Increment(ref _reconnects);

    public (bool Ok, string Detail) Check() => Interlocked.Read(ref _connectedSinceMs) is > 0 and var since
        ? (true, $"connected since {DateTimeOffset.FromUnixTimeMilliseconds(since):yyyy-MM-ddTHH:mm:ssZ}, {Reconnects} reconnects")
        : (false, $"not connected: {Problem ?? "connecting"}; {Reconnects} reconnects");
}
