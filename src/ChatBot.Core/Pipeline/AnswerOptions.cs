namespace ChatBot.Core.Pipeline;

/// <summary>Section <c>Answers</c>: what the bot says, beside the model.</summary>
public sealed class AnswerOptions
{
    public const string Section = "Answers";

    public string SystemPromptFile { get; set; } = "config/system-prompt.md";

    /// <summary>Told to the user when the system (not the user) failed and the question was given back.</summary>
    public string FailureText { get; set; } = "抱歉，系统暂时无法回答，请稍后再试。Sorry, I could not answer this time; please try again later.";
}
