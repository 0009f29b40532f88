using ChatBot.Core.Messages;
using ChatBot.Core.Quotas;

namespace ChatBot.Core.Pipeline;

/// <summary>
/// One delivery of a message through intake: its claim owner, its clock and deadline (<see cref="IntakeOptions.Deadline"/>,
/// counted from when the platform's request began), and, once charged, its quota standing.
/// </summary>
internal sealed record IntakeAttempt(InboundMessage Message, string Owner, long Started, TimeSpan Deadline, TimeProvider Clock)
{
    public QuotaDecision? Quota { get; init; }

    public TimeSpan Elapsed => Clock.GetElapsedTime(Started);

    public DateTimeOffset DeadlineAt => Clock.GetUtcNow() + Deadline - Elapsed;

    /// <summary>Awaits a step inside what is left of the deadline (none left: it must be done already).</summary>
    public async Task<T> Within<T>(Task<T> step, CancellationToken cancellationToken)
    {
        var left = Deadline - Elapsed;
        return await step.WaitAsync(left > TimeSpan.Zero ? left : TimeSpan.Zero, Clock, cancellationToken);
    }

    // Any failure of a step — a Redis error, a timeout, or the platform hanging up (cancellation) — gives back what
    // the attempt took; only the runtime's own fatal errors pass through.
    public static bool IsSystemFailure(Exception ex) => ex is not OutOfMemoryException;
}
