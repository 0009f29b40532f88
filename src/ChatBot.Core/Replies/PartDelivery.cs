using System.Net;
using System.Net.Http;
using ChatBot.Core.PlatformApi;
using Polly.CircuitBreaker;

namespace ChatBot.Core.Replies;

/// <summary>What may be done with a part whose earlier send ended with an unknown outcome.</summary>
public enum ResendPolicy
{
    /// <summary>Send it again: the platform drops a repeat itself (WeCom message/send with its duplicate check).</summary>
    Resend,

    /// <summary>
    /// Never send it again: the API has no de-duplication (DingTalk sessionWebhook and OpenAPI) or is one-shot (the
    /// WeCom AI bot's response_url). A part that may have arrived is not risked twice; the log says so.
    /// </summary>
    AtMostOnce,
}

/// <summary>
/// Sends one part of an answer at most once per the platform's <see cref="ResendPolicy"/>: the delivery ledger
/// records the attempt before the call and the success after it; a failure that proves nothing was delivered
/// (no connection, the platform's own error answer, a 4xx) forgets the attempt so a retry may send.
/// </summary>
public static class PartDelivery
{
    /// <returns>False when the part was skipped because an earlier attempt's outcome is unknown and it may not be resent.</returns>
    /// <exception cref="Exception">The send's own failure: <see cref="ProvesNotDelivered"/> tells whether its outcome is unknown.</exception>
    public static async Task<bool> SendAsync(IDeliveryLedger ledger, string partKey, ResendPolicy policy, Func<CancellationToken, Task> send,
        CancellationToken cancellationToken)
    {
        switch (await ledger.GetAsync(partKey, cancellationToken))
        {
            case DeliveryState.Sent:
                return true;
            case DeliveryState.Attempted when policy == ResendPolicy.AtMostOnce:
                return false;
        }

        await ledger.SetAsync(partKey, DeliveryState.Attempted, CancellationToken.None);
        try
        {
            await send(cancellationToken);
        }
        catch (Exception ex) when (ProvesNotDelivered(ex))
        {
            await ledger.SetAsync(partKey, DeliveryState.None, CancellationToken.None);
            throw;
        }

        await ledger.SetAsync(partKey, DeliveryState.Sent, CancellationToken.None);
        return true;
    }

    /// <summary>Whether a send's failure shows the platform did not take the message.</summary>
    public static bool ProvesNotDelivered(Exception ex) => ex switch
    {
        PlatformApiException or BrokenCircuitException or PacingException => true,
        HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError or HttpRequestError.SecureConnectionError } => true,
        // A redirect (never followed) or a 4xx: the server did not take the request; a 408 or a 5xx may have.
        HttpRequestException { StatusCode: { } status } => (int)status is >= 300 and < 500 && status != HttpStatusCode.RequestTimeout,
        _ => false,
    };
}

/// <summary>
/// A conversation's send rate is used up: the job is rescheduled for <see cref="RetryAfter"/> (not counted as a
/// failed attempt) instead of waiting inside a worker, so one busy conversation cannot hold the workers others need.
/// </summary>
public sealed class PacingException(TimeSpan retryAfter)
    : Exception($"The conversation's send rate is used up; try again in {retryAfter.TotalSeconds:F0} s.")
{
    public TimeSpan RetryAfter { get; } = retryAfter;
}

/// <summary>
/// A reply whose delivery is unknown and may not be tried again (<see cref="ResendPolicy.AtMostOnce"/>): the job records
/// it as <c>unknown</c>, never as answered, and does not retry it. <see cref="FollowedUp"/> says whether the asker was
/// told through another channel that the answer may be missing.
/// </summary>
public sealed class DeliveryUnknownException(string platform, string channel, bool followedUp)
    : Exception($"{platform} {channel}: the send's outcome is unknown and it may not be repeated{(followedUp ? "; the asker was told" : "")}")
{
    public string Channel { get; } = channel;

    public bool FollowedUp { get; } = followedUp;
}
