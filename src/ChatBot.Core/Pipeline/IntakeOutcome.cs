namespace ChatBot.Core.Pipeline;

/// <summary>What intake did with a verified message; the adapter turns it into the platform's answer.</summary>
public enum IntakeOutcome
{
    /// <summary>Queued for an answer.</summary>
    Accepted,

    /// <summary>A redelivery of a message already taken in: acknowledged, nothing new happens.</summary>
    Duplicate,

    /// <summary>Not queued for inference, but a notice (over quota, refused input) was queued instead.</summary>
    Answered,

    /// <summary>A system part (Redis, the queue) is down: the platform should retry, nothing was kept.</summary>
    Unavailable,
}
