namespace ChatBot.Core.Claims;

/// <summary>
/// Keys held by one owner, shared by every instance. Above all platform message ids, so a redelivered callback is
/// answered but not processed twice: a claim knows its owner (one intake attempt) and its state, <em>pending</em>
/// while that attempt is still deciding, <em>accepted</em> once the message's job is durably queued. The same
/// store says a notice once per interval and binds a DingTalk header pair to the one message it signed. Two
/// implementations: process memory (one instance) and Redis Lua scripts (restarts and several instances).
/// </summary>
/// <remarks>
/// The job accepts its own claim too (<see cref="AcceptAsync"/>) before it does anything. So when an intake times
/// out not knowing whether its enqueue landed, the race between its give-back (<see cref="ReleaseAsync"/>) and the
/// job is settled in the store: either the claim is released and the job finds it gone and drops itself, or the
/// job accepted first and the give-back learns the message is taken.
/// </remarks>
public interface IClaimStore
{
    /// <summary>Claims <paramref name="key"/> for <paramref name="owner"/>, pending for <paramref name="pendingTtl"/>.</summary>
    ValueTask<ClaimState> TryClaimAsync(string key, string owner, TimeSpan pendingTtl, CancellationToken cancellationToken);

    /// <summary>Turns the owner's pending claim into an accepted one that lives <paramref name="acceptedTtl"/>.</summary>
    /// <returns>True when the claim is (now, or already) accepted for this owner; false when the owner lost it.</returns>
    ValueTask<bool> AcceptAsync(string key, string owner, TimeSpan acceptedTtl, CancellationToken cancellationToken);

    /// <summary>Gives the owner's pending claim back; an accepted claim, or another owner's, is left alone.</summary>
    ValueTask<ReleaseOutcome> ReleaseAsync(string key, string owner, CancellationToken cancellationToken);
}

public enum ClaimState
{
    /// <summary>This call claimed the key: go on.</summary>
    Claimed,

    /// <summary>Another attempt holds the key and has not decided yet: the platform should retry shortly.</summary>
    InProgress,

    /// <summary>The message was taken in already: a duplicate, acknowledged and otherwise ignored.</summary>
    Accepted,
}

public enum ReleaseOutcome
{
    /// <summary>The pending claim was given back: no job of this owner will run.</summary>
    Released,

    /// <summary>The owner's job accepted the claim first: the message is taken in after all.</summary>
    AlreadyAccepted,

    /// <summary>The claim is gone or belongs to another owner (it expired and was claimed again).</summary>
    NotOwned,
}
