using ChatBot.Core.Messages;

namespace ChatBot.Core.Replies;

/// <summary>
/// Sends an answer back through a platform API. One implementation per route kind, registered as a keyed
/// service under <see cref="ReplyRoute.SenderKey"/>; a process boundary (the platform's HTTP API).
/// </summary>
public interface IReplySender
{
    Task SendAsync(InboundMessage message, string text, CancellationToken cancellationToken);
}

/// <summary>
/// A sender that can show an answer while it is being generated (WeCom AI-bot streams). The job calls
/// <see cref="UpdateAsync"/> with the screened text so far, then <see cref="IReplySender.SendAsync"/> with the whole.
/// </summary>
public interface IStreamingReplySender : IReplySender
{
    /// <summary>Whether this message is answered as a stream (its route allows it and the window is open).</summary>
    bool Streams(InboundMessage message);

    Task UpdateAsync(InboundMessage message, string textSoFar, CancellationToken cancellationToken);
}

/// <summary>
/// A platform's sender for its own route kind: the one place a message's route is taken as that kind, with an error
/// that names both when a message reaches the wrong sender (a registration mistake, never a user's doing).
/// </summary>
public abstract class ReplySender<TRoute> : IReplySender
    where TRoute : ReplyRoute
{
    public Task SendAsync(InboundMessage message, string text, CancellationToken cancellationToken) =>
        SendAsync(message, RouteOf(message), text, cancellationToken);

    protected abstract Task SendAsync(InboundMessage message, TRoute route, string text, CancellationToken cancellationToken);

    protected static TRoute RouteOf(InboundMessage message) => message.Route as TRoute
        ?? throw new InvalidOperationException($"A {message.Route.SenderKey} route reached the sender for {typeof(TRoute).Name}: its reply sender is registered under the wrong key.");
}

/// <summary>A <see cref="ReplySender{TRoute}"/> that can also stream.</summary>
public abstract class StreamingReplySender<TRoute> : ReplySender<TRoute>, IStreamingReplySender
    where TRoute : ReplyRoute
{
    public bool Streams(InboundMessage message) => message.Route is TRoute route && Streams(message, route);

    public Task UpdateAsync(InboundMessage message, string textSoFar, CancellationToken cancellationToken) =>
        UpdateAsync(message, RouteOf(message), textSoFar, cancellationToken);

    protected abstract bool Streams(InboundMessage message, TRoute route);

    protected abstract Task UpdateAsync(InboundMessage message, TRoute route, string textSoFar, CancellationToken cancellationToken);
}
