using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using StackExchange.Redis;

namespace ChatBot.Core.Conversations;

/// <summary>
/// Where sealed conversations live: process memory for one instance, Redis when several share the work, so any worker
/// continues a conversation. Values are ciphertext (<see cref="Queue.EnvelopeSealer"/>) and keys are hashes: the store
/// holds neither words nor ids.
/// </summary>
public interface IConversationStore
{
    Task<string?> GetAsync(string key, CancellationToken cancellationToken);

    /// <summary>Replaces the conversation; it is deleted <paramref name="ttl"/> after this write.</summary>
    Task SetAsync(string key, string sealedTurns, TimeSpan ttl, CancellationToken cancellationToken);

    Task DeleteAsync(string key, CancellationToken cancellationToken);
}

internal sealed class MemoryConversationStore(TimeProvider clock) : IConversationStore
{
    private const int MaxConversations = 5_000;
    private readonly ConcurrentDictionary<string, (string Value, DateTimeOffset Expires)> _conversations = new(StringComparer.Ordinal);

    public Task<string?> GetAsync(string key, CancellationToken cancellationToken) =>
        Task.FromResult(_conversations.TryGetValue(key, out var entry) && entry.Expires > clock.GetUtcNow() ? entry.Value : null);

    public Task SetAsync(string key, string sealedTurns, TimeSpan ttl, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        if (_conversations.Count >= MaxConversations)
        {
            foreach (var (stale, _) in _conversations.Where(c => c.Value.Expires <= now))
            {
                _conversations.TryRemove(stale, out _);
            }

            // Still full: those closest to expiry (the least recently used) go first.
            foreach (var (oldest, _) in _conversations.OrderBy(c => c.Value.Expires).Take(_conversations.Count - MaxConversations + 1))
            {
                _conversations.TryRemove(oldest, out _);
            }
        }

        _conversations[key] = (sealedTurns, now + ttl);
        return Task.CompletedTask;
    }

    public Task DeleteAsync(string key, CancellationToken cancellationToken)
    {
        _conversations.TryRemove(key, out _);
        return Task.CompletedTask;
    }
}

internal sealed class RedisConversationStore(IConnectionMultiplexer redis) : IConversationStore
{
    public async Task<string?> GetAsync(string key, CancellationToken cancellationToken) => await redis.GetDatabase().StringGetAsync(Key(key));

    public Task SetAsync(string key, string sealedTurns, TimeSpan ttl, CancellationToken cancellationToken) =>
        redis.GetDatabase().StringSetAsync(Key(key), sealedTurns, ttl);

    public Task DeleteAsync(string key, CancellationToken cancellationToken) => redis.GetDatabase().KeyDeleteAsync(Key(key));

    // Hashed: a key must not name the asker.
    private static RedisKey Key(string key) => "chatbot:conv:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));
}
