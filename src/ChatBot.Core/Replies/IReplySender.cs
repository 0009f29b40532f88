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
