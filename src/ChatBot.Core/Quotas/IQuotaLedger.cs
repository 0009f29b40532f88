namespace ChatBot.Core.Quotas;

/// <summary>
/// Counts questions per user and day, atomically. A charge is keyed by the message: charging a message that is
/// already charged (a platform retry after a timeout) counts nothing new, and a refund gives back only a charge
/// that exists, once. The burst limit is a sliding minute of charges, so refunded and failed intakes do not use
/// it up. Two implementations: process memory, and Redis Lua scripts shared by every instance.
/// </summary>
public interface IQuotaLedger
{
    /// <summary>Charges <paramref name="charge"/> unless the user is at <paramref name="limit"/> for the day or at the burst limit.</summary>
    Task<QuotaCharge> TryChargeAsync(string user, string charge, QuotaDay day, int limit, int burstPerMinute, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Gives the charge back (the system failed, not the user).</summary>
    /// <returns>True when there was such a charge to give back.</returns>
    Task<bool> RefundAsync(string user, string charge, CancellationToken cancellationToken);

    /// <summary>Questions counted for the user on that day (an admin's <c>quota show</c>).</summary>
    Task<int> UsedAsync(string user, QuotaDay day, CancellationToken cancellationToken);

    /// <summary>Clears the user's count for the day and their burst window (an admin's <c>quota reset</c>).</summary>
    Task ResetAsync(string user, QuotaDay day, CancellationToken cancellationToken);
}

public enum QuotaVerdict
{
    Charged,
    OverDaily,
    OverBurst,

    /// <summary>The group's shared daily budget is spent (the member's own limit allowed it).</summary>
    OverGroup,
}

public readonly record struct QuotaCharge(QuotaVerdict Verdict, int Used);
