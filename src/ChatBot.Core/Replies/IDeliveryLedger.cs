using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using StackExchange.Redis;

namespace ChatBot.Core.Replies;

/// <summary>
/// Records, per message and per part, whether an answer was sent — or attempted with an unknown outcome — so a
/// retry never sends twice what a platform cannot de-duplicate. Memory for one instance, Redis when several share
/// the queue.
/// </summary>
public interface IDeliveryLedger
{
    Task<DeliveryState> GetAsync(string key, CancellationToken cancellationToken);

    /// <summary>Sets the state; <see cref="DeliveryState.None"/> forgets the key.</summary>
    Task SetAsync(string key, DeliveryState state, CancellationToken cancellationToken);
}

public enum DeliveryState
{
    None,

    /// <summary>A send began and its outcome is not known (a timeout, a dropped connection, a 5xx).</summary>
    Attempted,

    Sent,
}

internal sealed class MemoryDeliveryLedger(TimeProvider clock) : IDeliveryLedger
{
    private static readonly TimeSpan Keep = TimeSpan.FromDays(1);
    private readonly ConcurrentDictionary<string, (DeliveryState State, DateTimeOffset At)> _records = new(StringComparer.Ordinal);

    public Task<DeliveryState> GetAsync(string key, CancellationToken cancellationToken) =>
        Task.FromResult(_records.TryGetValue(key, out var record) && clock.GetUtcNow() - record.At < Keep ? record.State : DeliveryState.None);

    public Task SetAsync(string key, DeliveryState state, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        if (state == DeliveryState.None)
        {
            _records.TryRemove(key, out _);
            return Task.CompletedTask;
        }

        _records[key] = (state, now);
        if (_records.Count > 10_000)
        {
            foreach (var (old, record) in _records)
            {
                if (now - record.At >= Keep)
                {
                    _records.TryRemove(old, out _);
                }
            }
        }

        return Task.CompletedTask;
    }
}

internal sealed class RedisDeliveryLedger(IConnectionMultiplexer redis) : IDeliveryLedger
{
    public async Task<DeliveryState> GetAsync(string key, CancellationToken cancellationToken) =>
        (string?)await redis.GetDatabase().StringGetAsync(Key(key)) switch
        {
            null => DeliveryState.None,
            "a" => DeliveryState.Attempted,
            _ => DeliveryState.Sent,
        };

    public async Task SetAsync(string key, DeliveryState state, CancellationToken cancellationToken)
    {
        var db = redis.GetDatabase();
        _ = state == DeliveryState.None
            ? await db.KeyDeleteAsync(Key(key))
            : await db.StringSetAsync(Key(key), state == DeliveryState.Attempted ? "a" : "s", TimeSpan.FromDays(1));
    }

    private static RedisKey Key(string key) => "chatbot:sent:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));
}
