using System.Collections.Concurrent;
using System.Text.Json;
using ChatBot.Core.Privacy;
using ChatBot.Core.Queue;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace ChatBot.WeCom.LongConnection;

/// <summary>A long-connection message whose answer the connection's holder still has to deliver.</summary>
/// <param name="ReqId">The callback's req_id: every frame of the answer reuses it.</param>
/// <param name="ChatId">Where a proactive <c>aibot_send_msg</c> goes when the stream cannot be used: the group, or the user for a DM.</param>
internal sealed record PendingStream(string StreamId, string ReqId, string ChatId, bool Group, DateTimeOffset ReceivedAt);

/// <summary>
/// The answers the long connection still owes, kept where the next holder finds them: after a holder dies, the
/// instance that takes the connection over delivers what was left (its req_ids may be gone: then by
/// <c>aibot_send_msg</c>). Memory for one instance; Redis, sealed, for several.
/// </summary>
internal interface IPendingStreams
{
    Task AddAsync(PendingStream stream);

    Task RemoveAsync(string streamId);

    Task<IReadOnlyList<PendingStream>> AllAsync();
}

internal sealed class MemoryPendingStreams : IPendingStreams
{
    private readonly ConcurrentDictionary<string, PendingStream> _streams = new(StringComparer.Ordinal);

    public Task AddAsync(PendingStream stream)
    {
        _streams[stream.StreamId] = stream;
        return Task.CompletedTask;
    }

    public Task RemoveAsync(string streamId)
    {
        _streams.TryRemove(streamId, out _);
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<PendingStream>> AllAsync() => Task.FromResult<IReadOnlyList<PendingStream>>([.. _streams.Values]);
}

/// <summary>One hash per bot; each value sealed (chat ids are identifiers), removed when delivered or past the 24-h reply window.</summary>
internal sealed class RedisPendingStreams(IConnectionMultiplexer redis, EnvelopeSealer sealer, string botId) : IPendingStreams
{
    private readonly RedisKey _key = "chatbot:wecom-lc:pending:" + LogId.Hash(botId);

    public async Task AddAsync(PendingStream stream)
    {
        var database = redis.GetDatabase();
        await database.HashSetAsync(_key, stream.StreamId, sealer.SealBytes(JsonSerializer.SerializeToUtf8Bytes(stream)));
        await database.KeyExpireAsync(_key, TimeSpan.FromDays(1));
    }

    public async Task RemoveAsync(string streamId) => await redis.GetDatabase().HashDeleteAsync(_key, streamId);

    public async Task<IReadOnlyList<PendingStream>> AllAsync() =>
        (await redis.GetDatabase().HashGetAllAsync(_key))
            .Select(entry => JsonSerializer.Deserialize<PendingStream>(sealer.OpenBytes(entry.Value.ToString()))!)
            .ToList();

    public static IPendingStreams For(IServiceProvider services, string botId) =>
        services.GetService<IConnectionMultiplexer>() is { } redis
            ? new RedisPendingStreams(redis, services.GetRequiredService<EnvelopeSealer>(), botId)
            : new MemoryPendingStreams();
}
