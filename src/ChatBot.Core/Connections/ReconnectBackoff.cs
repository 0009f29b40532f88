namespace ChatBot.Core.Connections;

/// <summary>
/// How long an outbound connection waits before its next attempt: 1 s·2ⁿ plus up to a second of jitter, capped —
/// no reconnect storm, no giving up (stream-modes.md §1.7, §2.5). Callers reset <c>n</c> after a healthy connection.
/// </summary>
public static class ReconnectBackoff
{
    public static TimeSpan Delay(int failures, TimeSpan cap) =>
        TimeSpan.FromSeconds(Math.Min(cap.TotalSeconds, Math.Pow(2, Math.Min(failures, 10)))) + TimeSpan.FromMilliseconds(Random.Shared.Next(0, 1000));
}
