using System.Collections.Concurrent;
using System.Text;
using ChatBot.Core.Queue;
using StackExchange.Redis;

namespace ChatBot.WeCom.Streams;

/// <summary>
/// The text of a WeCom AI-bot stream so far, for the refresh callbacks to read (wecom.md §2: cumulative content,
/// <c>finish</c> at the end, within 6 minutes of the user's message). Memory for one instance; Redis — as
/// ciphertext, with a TTL no longer than the stream window — when refreshes may reach another instance.
/// </summary>
public interface IStreamStore
{
    Task SetAsync(string streamId, StreamState state, CancellationToken cancellationToken);

    Task<StreamState?> GetAsync(string streamId, CancellationToken cancellationToken);
}

/// <param name="Delivered">A refresh was answered with <c>finish: true</c> and this content: the user has the answer.</param>
public sealed record StreamState(string Content, bool Finished, bool Delivered = false);

public static class StreamWindow
{
    /// <summary>WeCom stops refreshing 6 minutes after the user's message.</summary>
    public static readonly TimeSpan Length = TimeSpan.FromMinutes(6);
}

internal sealed class MemoryStreamStore(TimeProvider clock) : IStreamStore
{
    private readonly ConcurrentDictionary<string, (StreamState State, DateTimeOffset Expires)> _streams = new(StringComparer.Ordinal);

    public Task SetAsync(string streamId, StreamState state, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        _streams[streamId] = (state, now + StreamWindow.Length);
        if (_streams.Count > 1000)
        {
            foreach (var (key, value) in _streams)
            {
                if (value.Expires <= now)
                {
                    _streams.TryRemove(key, out _);
                }
            }
        }

        return Task.CompletedTask;
    }

    public Task<StreamState?> GetAsync(string streamId, CancellationToken cancellationToken) =>
        Task.FromResult(_streams.TryGetValue(streamId, out var entry) && entry.Expires > clock.GetUtcNow() ? entry.State : null);
}

internal sealed class RedisStreamStore(IConnectionMultiplexer redis, EnvelopeSealer sealer) : IStreamStore
{
    public async Task SetAsync(string streamId, StreamState state, CancellationToken cancellationToken) =>
        await redis.GetDatabase().StringSetAsync(Key(streamId), sealer.SealBytes(Encode(state)), StreamWindow.Length);

    public async Task<StreamState?> GetAsync(string streamId, CancellationToken cancellationToken)
    {
        var value = await redis.GetDatabase().StringGetAsync(Key(streamId));
        return value.IsNullOrEmpty ? null : Decode(sealer.OpenBytes(value.ToString()));
    }

    private static RedisKey Key(string streamId) => "chatbot:stream:" + streamId;

    private static byte[] Encode(StreamState state) => Encoding.UTF8.GetBytes($"{(state.Finished ? 1 : 0)}{(state.Delivered ? 1 : 0)}{state.Content}");

    private static StreamState Decode(byte[] bytes)
    {
        var text = Encoding.UTF8.GetString(bytes);
        return new StreamState(text[2..], text[0] == '1', text[1] == '1');
    }
}
