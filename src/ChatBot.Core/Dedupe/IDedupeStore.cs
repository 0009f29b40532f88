namespace ChatBot.Core.Dedupe;

/// <summary>
/// Claims platform message ids so a redelivered callback is answered but not processed again.
/// Two implementations: in process memory (one instance) and Redis <c>SET NX</c> (restarts and several instances).
/// </summary>
public interface IDedupeStore
{
    /// <returns>True when this call claimed the key; false when it was already claimed and not expired.</returns>
    ValueTask<bool> TryClaimAsync(string key, TimeSpan ttl, CancellationToken cancellationToken);

    /// <summary>Gives a claim back, when the message could not be taken in and the platform should retry it.</summary>
    ValueTask ReleaseAsync(string key, CancellationToken cancellationToken);
}
