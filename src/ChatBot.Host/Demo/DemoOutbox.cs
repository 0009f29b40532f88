using System.Collections.Concurrent;
using ChatBot.Core.Messages;
using ChatBot.Core.Replies;

namespace ChatBot.Host.Demo;

/// <summary>
/// In the demo profile there is no platform to reply to: answers wait here, in memory only, for the
/// <c>simulate</c> verb to fetch them once. Bounded, and each answer is gone once read or after 10 minutes.
/// </summary>
internal sealed class DemoOutbox(TimeProvider clock)
{
    private const int Capacity = 256;
    private readonly ConcurrentDictionary<string, (string Text, DateTimeOffset At)> _replies = new(StringComparer.Ordinal);

    public void Put(string messageId, string text)
    {
        var now = clock.GetUtcNow();
        if (_replies.Count >= Capacity)
        {
            foreach (var (key, value) in _replies)
            {
                if (now - value.At > TimeSpan.FromMinutes(10) || _replies.Count >= Capacity)
                {
                    _replies.TryRemove(key, out _);
                }
            }
        }

        _replies.AddOrUpdate(messageId, _ => (text, now), (_, old) => (old.Text + "\n" + text, now));
    }

    public string? Take(string messageId) => _replies.TryRemove(messageId, out var reply) ? reply.Text : null;
}

/// <summary>The demo profile's reply sender for every route: the answer goes to the <see cref="DemoOutbox"/>.</summary>
internal sealed class DemoReplySender(DemoOutbox outbox) : IReplySender
{
    public Task SendAsync(InboundMessage message, string text, CancellationToken cancellationToken)
    {
        outbox.Put(message.MessageId, text);
        return Task.CompletedTask;
    }
}
