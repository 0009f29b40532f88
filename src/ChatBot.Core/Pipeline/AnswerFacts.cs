namespace ChatBot.Core.Pipeline;

/// <summary>What an answer's steps learnt on the way, for its audit line and its opening words.</summary>
public sealed class AnswerFacts
{
    public int? Tokens { get; set; }

    public IReadOnlyList<string>? Documents { get; set; }

    /// <summary>The audit outcome when it is not the answer kind's own (a refusal or "not sure" from the documents).</summary>
    public string? Outcome { get; set; }

    /// <summary>
    /// What the answer starts with, in its stream's updates and in the whole alike: the welcome of a new direct chat
    /// (Answers:WelcomeInterval) and the line saying what personal data was hidden, or nothing.
    /// </summary>
    public string Opening { get; set; } = "";
}
