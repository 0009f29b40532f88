using System.Text;
using ChatBot.Core.Queue;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace ChatBot.Core.Commands;

/// <summary>
/// An admin's <c>/pause TEXT</c>: while set, every question is answered with TEXT. Shared by all instances through
/// Redis when configured (sealed like a queued message: it is an admin's words), else held by this process. Read at
/// every intake, so it is cached for <see cref="CacheFor"/>: a pause or resume takes effect everywhere within that.
/// </summary>
public sealed class PauseSwitch(IServiceProvider services, EnvelopeSealer sealer, TimeProvider clock)
{
    public static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(2);
    private const string Key = "chatbot:pause";
    private readonly IConnectionMultiplexer? _redis = services.GetService<IConnectionMultiplexer>();
    private (string? Text, DateTimeOffset ReadAt) _cached = (null, DateTimeOffset.MinValue);
    private string? _local;

    /// <returns>The maintenance text while paused; null otherwise.</returns>
    public async Task<string?> CurrentAsync(CancellationToken cancellationToken)
    {
        if (_redis is null)
        {
            return Volatile.Read(ref _local);
        }

        var cached = _cached;
        if (clock.GetUtcNow() - cached.ReadAt < CacheFor)
        {
            return cached.Text;
        }

        var value = (string?)await _redis.GetDatabase().StringGetAsync(Key);
        string? text = null;
        if (value is not null)
        {
            try
            {
                text = Encoding.UTF8.GetString(sealer.OpenBytes(value));
            }
            catch (EnvelopeException)
            {
                // Sealed under another key: the pause of an instance with another EnvelopeKey is not ours to show.
            }
        }

        _cached = (text, clock.GetUtcNow());
        return text;
    }

    public async Task PauseAsync(string text)
    {
        Volatile.Write(ref _local, text);
        _cached = (text, clock.GetUtcNow());
        if (_redis is not null)
        {
            await _redis.GetDatabase().StringSetAsync(Key, sealer.SealBytes(Encoding.UTF8.GetBytes(text)));
        }
    }

    public async Task ResumeAsync()
    {
        Volatile.Write(ref _local, null);
        _cached = (null, clock.GetUtcNow());
        if (_redis is not null)
        {
            await _redis.GetDatabase().KeyDeleteAsync(Key);
        }
    }
}
