using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using StackExchange.Redis;

namespace ChatBot.Core.Replies;

/// <summary>
/// Records that a message's answer was sent, so a Hangfire retry after a crash never sends it twice.
/// Memory for one instance, Redis when several share the queue.
/// </summary>
public interface IDeliveryLedger
{
    Task<bool> WasSentAsync(string messageKey, CancellationToken cancellationToken);

    Task MarkSentAsync(string messageKey, CancellationToken cancellationToken);
}

internal sealed class MemoryDeliveryLedger(TimeProvider clock) : IDeliveryLedger
{
    private static readonly TimeSpan Keep = TimeSpan.FromDays(1);
    private readonly ConcurrentDictionary<string, DateTimeOffset> _sent = new(StringComparer.Ordinal);

    public Task<bool> WasSentAsync(string messageKey, CancellationToken cancellationToken) =>
        Task.FromResult(_sent.TryGetValue(messageKey, out var at) && clock.GetUtcNow() - at < Keep);

    public Task MarkSentAsync(string messageKey, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        _sent[messageKey] = now;
        if (_sent.Count > 10_000)
        {
            foreach (var (key, at) in _sent)
            {
                if (now - at >= Keep)
                {
                    _sent.TryRemove(key, out _);
                }
            }
        }

        return Task.CompletedTask;
    }
}

internal sealed class RedisDeliveryLedger(IConnectionMultiplexer redis) : IDeliveryLedger
{
    public async Task<bool> WasSentAsync(string messageKey, CancellationToken cancellationToken) =>
        await redis.GetDatabase().KeyExistsAsync(Key(messageKey));

    public async Task MarkSentAsync(string messageKey, CancellationToken cancellationToken) =>
        await redis.GetDatabase().StringSetAsync(Key(messageKey), 1, TimeSpan.FromDays(1));

    private static RedisKey Key(string messageKey) => "chatbot:sent:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(messageKey)));
}
