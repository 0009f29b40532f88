using System.Collections.Concurrent;
using ChatBot.Core.Messages;
using ChatBot.Core.Replies;

namespace ChatBot.Host.Demo;

/// <summary>
/// In the demo profile there is no platform to reply to: answers wait here, in memory only, for the
/// <c>simulate</c> verb to fetch. An answer being generated shows its screened text so far, as a WeCom AI-bot stream
/// would; a finished one is gone once read. Bounded, and nothing stays longer than 10 minutes.
/// </summary>
internal sealed class DemoOutbox(TimeProvider clock)
{
    private const int Capacity = 256;
    private readonly ConcurrentDictionary<string, Reply> _replies = new(StringComparer.Ordinal);

    /// <summary>The whole answer so far (a stream update replaces, it does not append).</summary>
    public void Update(string messageId, string textSoFar) => Store(messageId, _ => new Reply(textSoFar, false, clock.GetUtcNow()),
        (_, old) => old.Finished ? old : new Reply(textSoFar, false, clock.GetUtcNow()));

    /// <summary>A finished answer, or a further part of one.</summary>
    public void Put(string messageId, string text) => Store(messageId, _ => new Reply(text, true, clock.GetUtcNow()),
        (_, old) => new Reply(old.Finished ? old.Text + "\n" + text : text, true, clock.GetUtcNow()));

    /// <summary>The answer so far; a finished one is taken out.</summary>
    public (string Text, bool Finished)? Read(string messageId)
    {
        if (!_replies.TryGetValue(messageId, out var reply))
        {
            return null;
        }

        if (reply.Finished)
        {
            _replies.TryRemove(messageId, out reply);
        }

        return reply is null ? null : (reply.Text, reply.Finished);
    }

    private void Store(string messageId, Func<string, Reply> add, Func<string, Reply, Reply> update)
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

        _replies.AddOrUpdate(messageId, add, update);
    }

    private sealed record Reply(string Text, bool Finished, DateTimeOffset At);
}

/// <summary>
/// The demo profile's reply sender for every route: the answer goes to the <see cref="DemoOutbox"/>, streamed as it
/// is generated, so a newcomer sees the first words as a WeCom user would.
/// </summary>
internal sealed class DemoReplySender(DemoOutbox outbox) : IStreamingReplySender
{
    public bool Streams(InboundMessage message) => true;

    public Task UpdateAsync(InboundMessage message, string textSoFar, CancellationToken cancellationToken)
    {
        outbox.Update(message.MessageId, textSoFar);
        return Task.CompletedTask;
    }

    public Task SendAsync(InboundMessage message, string text, CancellationToken cancellationToken)
    {
        outbox.Put(message.MessageId, text);
        return Task.CompletedTask;
    }
}
