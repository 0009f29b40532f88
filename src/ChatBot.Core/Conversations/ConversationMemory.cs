using System.Collections.Concurrent;
using Microsoft.Extensions.AI;

namespace ChatBot.Core.Conversations;

/// <summary>
/// The last few turns of each direct chat, so follow-up questions work. Process memory only — never Redis —
/// with a time-to-live and a bound on conversations; a restart forgets, by design.
/// </summary>
public sealed class ConversationMemory(TimeProvider clock)
{
    private const int MaxConversations = 5_000;
    private readonly ConcurrentDictionary<string, Conversation> _conversations = new(StringComparer.Ordinal);

    public int Turns { get; init; } = 3;

    public TimeSpan TimeToLive { get; init; } = TimeSpan.FromMinutes(30);

    public IReadOnlyList<ChatMessage> Recall(string key)
    {
        if (!_conversations.TryGetValue(key, out var conversation))
        {
            return [];
        }

        lock (conversation)
        {
            return clock.GetUtcNow() - conversation.LastUsed > TimeToLive ? [] : [.. conversation.Messages];
        }
    }

    /// <summary>The conversation a message belongs to: one per asker and bot (direct chats only are remembered).</summary>
    public static string KeyOf(Messages.InboundMessage message) => $"{message.Platform}:{message.BotId}:{message.SenderId}";

    /// <summary>Forgets a conversation now (<c>/clear</c>).</summary>
    public void Forget(string key) => _conversations.TryRemove(key, out _);

    public void Remember(string key, string question, string answer)
    {
        var now = clock.GetUtcNow();
        if (_conversations.Count >= MaxConversations)
        {
            Evict(now);
        }

        var conversation = _conversations.GetOrAdd(key, _ => new Conversation());
        lock (conversation)
        {
            if (now - conversation.LastUsed > TimeToLive)
            {
                conversation.Messages.Clear();
            }

            conversation.Messages.Add(new ChatMessage(ChatRole.User, question));
            conversation.Messages.Add(new ChatMessage(ChatRole.Assistant, answer));
            while (conversation.Messages.Count > Turns * 2)
            {
                conversation.Messages.RemoveAt(0);
            }

            conversation.LastUsed = now;
        }
    }

    private void Evict(DateTimeOffset now)
    {
        foreach (var (key, conversation) in _conversations)
        {
            if (now - conversation.LastUsed > TimeToLive)
            {
                _conversations.TryRemove(key, out _);
            }
        }

        // Still full: the least recently used go first.
        foreach (var (key, _) in _conversations.OrderBy(c => c.Value.LastUsed).Take(_conversations.Count - MaxConversations + 1))
        {
            _conversations.TryRemove(key, out _);
        }
    }

    private sealed class Conversation
    {
        public List<ChatMessage> Messages { get; } = [];

        public DateTimeOffset LastUsed { get; set; }
    }
}
