namespace ChatBot.Core.Health;

/// <summary>A part that can tell whether it is ready (the model is loaded, a long connection is up, …), for <c>/readyz</c>.</summary>
public interface IReadinessCheck
{
    string Name { get; }

    /// <returns>Whether it is ready, and a detail for people (never a secret).</returns>
    (bool Ok, string Detail) Check();

    /// <summary>
    /// Not ready yet on the way up (the model loading), rather than broken: <c>/readyz</c> still answers 503, but the
    /// health-check service does not log an error for every probe of a normal start.
    /// </summary>
    bool IsStarting => false;
}
