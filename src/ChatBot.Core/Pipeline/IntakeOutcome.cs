namespace ChatBot.Core.Pipeline;

/// <summary>What intake did with a verified message; the adapter turns it into the platform's answer.</summary>
public enum IntakeOutcome
{
    /// <summary>Durably queued for an answer.</summary>
    Accepted,

    /// <summary>A redelivery of a message already taken in: acknowledged, nothing new happens.</summary>
    Duplicate,

    /// <summary>Not queued for inference; a notice (over quota, refused input) was queued instead, or was due only once and already sent.</summary>
    Answered,

    /// <summary>Another delivery of this message is still being decided: the platform should retry it shortly.</summary>
    InProgress,

    /// <summary>A system part (Redis, the queue) is down or too slow: the platform should retry, nothing of this attempt is kept.</summary>
    Unavailable,
}

public static class IntakeOutcomes
{
    /// <summary>Whether the platform must be told to deliver again (HTTP 503; no ack on a long connection).</summary>
    public static bool AsksForRetry(this IntakeOutcome outcome) => outcome is IntakeOutcome.InProgress or IntakeOutcome.Unavailable;
}
