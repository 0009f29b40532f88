using System.Threading.RateLimiting;

namespace ChatBot.Core.Replies;

/// <summary>
/// Outbound sends per conversation within the platform's documented rate (DingTalk: 20 a minute per group;
/// WeCom app: 30 a minute per member), so the bot is not throttled or, worse, silently dropped (wecom.md §5).
/// A send over the rate does not wait here: <see cref="PacingException"/> reschedules its job.
/// </summary>
public sealed class ConversationRateLimiter(int perMinute) : IDisposable
{
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);
    private const int Segments = 6;

    private readonly PartitionedRateLimiter<string> _limiter = PartitionedRateLimiter.Create<string, string>(key =>
        RateLimitPartition.GetSlidingWindowLimiter(key, _ => new SlidingWindowRateLimiterOptions
        {
            PermitLimit = perMinute,
            Window = Window,
            SegmentsPerWindow = Segments,
            QueueLimit = 0,
        }));

    /// <summary>Takes a permit for the conversation now, or throws <see cref="PacingException"/> saying when to come back.</summary>
    public void Acquire(string conversation)
    {
        using var lease = _limiter.AttemptAcquire(conversation);
        if (!lease.IsAcquired)
        {
            throw new PacingException(lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : Window / Segments);
        }
    }

    public void Dispose() => _limiter.Dispose();
}
