namespace ChatBot.Core.Quotas;

/// <summary>
/// Counts questions per user and day, atomically. Two implementations: process memory, and one Redis Lua script
/// (check + INCR + expiry at the next local midnight) shared by every instance.
/// </summary>
public interface IQuotaLedger
{
    /// <summary>Charges one question unless the user is at <paramref name="limit"/> for the day or at the burst limit.</summary>
    Task<QuotaCharge> TryChargeAsync(string user, QuotaDay day, int limit, int burstPerMinute, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Gives a charge back: the system failed, not the user.</summary>
    Task RefundAsync(string user, QuotaDay day, CancellationToken cancellationToken);
}

public enum QuotaVerdict
{
    Charged,
    OverDaily,
    OverBurst,
}

public readonly record struct QuotaCharge(QuotaVerdict Verdict, int Used);
