using System.Threading.RateLimiting;

namespace ChatBot.Core.Replies;

/// <summary>
/// Outbound sends per conversation within the platform's documented rate (DingTalk: 20 a minute per group;
/// WeCom app: 30 a minute per member), so the bot waits its turn politely instead of being throttled or,
/// worse, silently dropped (wecom.md §5).
/// </summary>
public sealed class ConversationRateLimiter(int perMinute) : IDisposable
{
    private readonly PartitionedRateLimiter<string> _limiter = PartitionedRateLimiter.Create<string, string>(key =>
        RateLimitPartition.GetSlidingWindowLimiter(key, _ => new SlidingWindowRateLimiterOptions
        {
            PermitLimit = perMinute,
            Window = TimeSpan.FromMinutes(1),
            SegmentsPerWindow = 6,
            QueueLimit = 1000,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        }));

    /// <summary>Waits until the conversation may receive another message.</summary>
    public async Task WaitAsync(string conversation, CancellationToken cancellationToken)
    {
        using var lease = await _limiter.AcquireAsync(conversation, 1, cancellationToken);
        if (!lease.IsAcquired)
        {
            throw new InvalidOperationException("Too many replies are waiting for one conversation's rate limit.");
        }
    }

    public void Dispose() => _limiter.Dispose();
}
