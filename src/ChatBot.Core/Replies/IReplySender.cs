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
